import { describe, expect, it } from 'vitest';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { backendConversation } from '../testing/streams.js';
import { feed, prng, splitAt, summary } from '../testing/support.js';
import { BackendReader } from './backend-reader.js';
import { BackendCode } from './codes.js';
import { encodeReadyForQuery } from './messages/session.js';

function expectProtocolError(fn: () => unknown, code: string): ProtocolError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(code);
    return error as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

describe('BackendReader', () => {
  const stream = Buffer.concat(backendConversation());

  it('frames a realistic server conversation as views of the chunk', () => {
    const frames = new BackendReader().push(stream);
    expect(frames).toHaveLength(backendConversation().length);
    expect(Buffer.concat(frames.map((f) => f.raw)).equals(stream)).toBe(true);
    for (const frame of frames) expect(frame.raw.buffer).toBe(stream.buffer);
  });

  it('yields identical frames for every two-way split', () => {
    const reference = new BackendReader().push(stream).map(summary);
    for (let i = 0; i <= stream.length; i++) {
      expect(feed(new BackendReader(), splitAt(stream, [i])).map(summary), `split at ${i}`).toEqual(reference);
    }
  });

  it('yields identical frames for sampled three-way splits and byte-by-byte feeding', () => {
    const reference = new BackendReader().push(stream).map(summary);
    const random = prng(11);
    for (let n = 0; n < 2000; n++) {
      const a = random.int(stream.length + 1);
      const b = random.int(stream.length + 1);
      expect(feed(new BackendReader(), splitAt(stream, [Math.min(a, b), Math.max(a, b)])).map(summary)).toEqual(reference);
    }
    const bytes = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(feed(new BackendReader(), bytes).map(summary)).toEqual(reference);
  });

  it('reads the one-byte SSL answer, then pauses', () => {
    const reader = new BackendReader();
    reader.expectEncryptionResponse('ssl');
    const frames = reader.push(Buffer.from('S'));
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ kind: 'encryptionResponse', code: 0x53, length: 0 });
    expect(reader.state).toBe('paused');
    expect(reader.bufferedBytes).toBe(0);
  });

  it('exposes plaintext injected after the SSL answer (CVE-2021-23222)', () => {
    const reader = new BackendReader();
    reader.expectEncryptionResponse('ssl');
    const injected = encodeReadyForQuery('I');
    reader.push(Buffer.concat([Buffer.from('S'), injected]));
    expect(reader.bufferedBytes).toBe(injected.length);
  });

  it("continues with typed messages after 'N'", () => {
    const reader = new BackendReader();
    reader.expectEncryptionResponse('gss');
    const [answer] = reader.push(Buffer.from('N'));
    expect(answer!.code).toBe(0x4e);
    expect(reader.push(encodeReadyForQuery('I'))).toEqual([]); // held while paused
    const resumed = reader.resume();
    expect(resumed.map((f) => f.code)).toEqual([BackendCode.ReadyForQuery]);
    expect(resumed[0]!.kind).toBe('typed');
  });

  it('rejects any other answer to an encryption request', () => {
    const reader = new BackendReader();
    reader.expectEncryptionResponse('ssl');
    expectProtocolError(() => reader.push(Buffer.from('E')), ProtocolErrorCode.UnknownMessage);
    const gss = new BackendReader();
    gss.expectEncryptionResponse('gss');
    expectProtocolError(() => gss.push(Buffer.from('S')), ProtocolErrorCode.UnknownMessage);
  });

  it('rejects unknown codes and bad lengths, and oversize before buffering', () => {
    expectProtocolError(() => new BackendReader().push(Buffer.from([0x51, 0, 0, 0, 4])), ProtocolErrorCode.UnknownMessage);
    expectProtocolError(() => new BackendReader().push(Buffer.from([0x5a, 0, 0, 0, 4])), ProtocolErrorCode.BadLength);
    expectProtocolError(() => new BackendReader().push(Buffer.from([0x4b, 0, 0, 2, 0])), ProtocolErrorCode.BadLength);
    expectProtocolError(() => new BackendReader().push(Buffer.from([0x44, 0xff, 0xff, 0xff, 0xff])), ProtocolErrorCode.BadLength);
    expectProtocolError(() => new BackendReader().push(Buffer.from([0x44, 0x7f, 0xff, 0xff, 0xff])), ProtocolErrorCode.MessageTooLarge);
    expectProtocolError(() => new BackendReader({ maxMessageBytes: 100 }).push(Buffer.from([0x44, 0, 0, 0, 101])), ProtocolErrorCode.MessageTooLarge);
  });
});
