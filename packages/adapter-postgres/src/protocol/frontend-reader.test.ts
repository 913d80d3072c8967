import { describe, expect, it } from 'vitest';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { feed, frontendFrame, prng, splitAt, summary } from '../testing/support.js';
import { frontendConversation } from '../testing/streams.js';
import { FrontendCode, StartupRequestCode } from './codes.js';
import { FrontendReader } from './frontend-reader.js';
import { encodeQuery, encodeCancelRequest, encodeSSLRequest, encodeGSSENCRequest, encodeStartupMessage } from '../index.js';

function conversation(): Buffer {
  const { startup, typed } = frontendConversation();
  return Buffer.concat([...startup, ...typed]);
}

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

describe('FrontendReader', () => {
  it('frames startup then typed messages, as views of the chunk', () => {
    const stream = conversation();
    const reader = new FrontendReader();
    const frames = reader.push(stream);
    const { startup, typed } = frontendConversation();
    expect(frames).toHaveLength(startup.length + typed.length);
    expect(frames[0]!.kind).toBe('startup');
    expect(frames[0]!.code).toBe(StartupRequestCode.ProtocolVersion3_0);
    expect(frames[1]!.kind).toBe('typed');
    expect(frames[1]!.code).toBe(FrontendCode.PasswordMessage);
    expect(Buffer.concat(frames.map((f) => f.raw)).equals(stream)).toBe(true);
    for (const frame of frames) {
      expect(frame.raw.buffer).toBe(stream.buffer); // zero-copy: same memory as the input
      expect(frame.payload.length).toBe(frame.raw.length - (frame.kind === 'startup' ? 8 : 5));
    }
    expect(reader.phase).toBe('typed');
    expect(reader.bufferedBytes).toBe(0);
  });

  it('yields identical frames for every two-way split of a realistic stream', () => {
    const stream = conversation();
    const reference = new FrontendReader().push(stream).map(summary);
    for (let i = 0; i <= stream.length; i++) {
      const frames = feed(new FrontendReader(), splitAt(stream, [i]));
      expect(frames.map(summary), `split at ${i}`).toEqual(reference);
    }
  });

  it('yields identical frames for sampled three-way splits', () => {
    const stream = conversation();
    const reference = new FrontendReader().push(stream).map(summary);
    const random = prng(7);
    for (let n = 0; n < 2000; n++) {
      const a = random.int(stream.length + 1);
      const b = random.int(stream.length + 1);
      const frames = feed(new FrontendReader(), splitAt(stream, [Math.min(a, b), Math.max(a, b)]));
      expect(frames.map(summary), `split at ${a},${b}`).toEqual(reference);
    }
  });

  it('yields identical frames fed one byte at a time', () => {
    const stream = conversation();
    const reference = new FrontendReader().push(stream).map(summary);
    const chunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(feed(new FrontendReader(), chunks).map(summary)).toEqual(reference);
  });

  it('copies only frames that span chunks', () => {
    const a = encodeQuery('SELECT 1');
    const b = encodeQuery('SELECT 2');
    const stream = Buffer.concat([a, b]);
    const reader = new FrontendReader({ startup: false });
    const first = stream.subarray(0, a.length + 3);
    const [one] = reader.push(first);
    const [two] = reader.push(stream.subarray(a.length + 3));
    expect(two!.raw.equals(b)).toBe(true);
    // Writing into the input shows which frame is a view (changes) and which a copy (does not).
    stream[a.length - 2] = 0x39; // '1' -> '9' in the first query
    stream[stream.length - 2] = 0x39;
    expect(one!.payload.toString('latin1')).toBe('SELECT 9\0');
    expect(two!.payload.toString('latin1')).toBe('SELECT 2\0');
  });

  it('pauses after SSLRequest and resumes on the plaintext stream after a refusal', () => {
    const startup = encodeStartupMessage({ user: 'u' });
    const reader = new FrontendReader();
    const frames = reader.push(Buffer.concat([encodeSSLRequest(), startup]));
    expect(frames.map((f) => f.code)).toEqual([StartupRequestCode.SSLRequest]);
    expect(reader.state).toBe('paused');
    // The client sent plaintext after SSLRequest without waiting: visible before the gateway decides.
    expect(reader.bufferedBytes).toBe(startup.length);
    const resumed = reader.resume();
    expect(resumed.map((f) => f.code)).toEqual([StartupRequestCode.ProtocolVersion3_0]);
    expect(reader.phase).toBe('typed');
  });

  it('holds nothing after an SSLRequest from a well-behaved client', () => {
    const reader = new FrontendReader();
    reader.push(encodeGSSENCRequest());
    expect(reader.state).toBe('paused');
    expect(reader.bufferedBytes).toBe(0);
    expect(reader.resume()).toEqual([]);
    expect(reader.push(encodeSSLRequest()).map((f) => f.code)).toEqual([StartupRequestCode.SSLRequest]);
  });

  it('refuses to hold unbounded data while paused', () => {
    const reader = new FrontendReader({ maxStartupBytes: 100 });
    reader.push(encodeSSLRequest());
    expectProtocolError(() => reader.push(Buffer.alloc(101)), ProtocolErrorCode.UnexpectedData);
  });

  it('ends after a CancelRequest; any further byte is an error', () => {
    const reader = new FrontendReader();
    const frames = reader.push(encodeCancelRequest(12, Buffer.from([1, 2, 3, 4])));
    expect(frames[0]!.code).toBe(StartupRequestCode.CancelRequest);
    expect(reader.state).toBe('ended');
    expectProtocolError(() => reader.push(Buffer.from([0])), ProtocolErrorCode.UnexpectedData);
  });

  it('rejects bad startup packets', () => {
    const packet = (length: number, code: number, extra = 0): Buffer => {
      const buf = Buffer.alloc(8 + extra);
      buf.writeInt32BE(length, 0);
      buf.writeInt32BE(code, 4);
      return buf;
    };
    expectProtocolError(() => new FrontendReader().push(packet(4, 0)), ProtocolErrorCode.BadLength);
    expectProtocolError(() => new FrontendReader().push(packet(-1, 0)), ProtocolErrorCode.BadLength);
    expectProtocolError(() => new FrontendReader().push(packet(10_001, 0)), ProtocolErrorCode.MessageTooLarge);
    expectProtocolError(() => new FrontendReader().push(packet(8, 2 << 16)), ProtocolErrorCode.UnknownMessage);
    expectProtocolError(() => new FrontendReader().push(packet(8, (1234 << 16) | 9999)), ProtocolErrorCode.UnknownMessage);
    expectProtocolError(() => new FrontendReader().push(packet(12, StartupRequestCode.SSLRequest, 4)), ProtocolErrorCode.BadLength);
    expectProtocolError(() => new FrontendReader().push(packet(14, StartupRequestCode.CancelRequest, 6)), ProtocolErrorCode.BadLength);
  });

  it('rejects unknown typed codes, short and fixed-size-violating lengths', () => {
    const typed = (code: number, length: number): Buffer => {
      const buf = Buffer.alloc(5);
      buf[0] = code;
      buf.writeInt32BE(length, 1);
      return buf;
    };
    const err = expectProtocolError(() => new FrontendReader({ startup: false }).push(typed(0x5a, 4)), ProtocolErrorCode.UnknownMessage);
    expect(err.message).toContain("'Z'");
    for (const length of [0, 3, -1, -2147483648]) {
      expectProtocolError(() => new FrontendReader({ startup: false }).push(typed(FrontendCode.Query, length)), ProtocolErrorCode.BadLength);
    }
    expectProtocolError(() => new FrontendReader({ startup: false }).push(typed(FrontendCode.Sync, 5)), ProtocolErrorCode.BadLength);
    expectProtocolError(() => new FrontendReader({ startup: false }).push(typed(FrontendCode.Query, 4)), ProtocolErrorCode.BadLength);
  });

  it('rejects an oversize message from its header, before buffering the body', () => {
    const reader = new FrontendReader({ startup: false });
    const header = Buffer.from([FrontendCode.Query, 0x40, 0, 0, 0]); // claims 1 GiB
    const err = expectProtocolError(() => reader.push(header), ProtocolErrorCode.MessageTooLarge);
    expect(err.message).toContain('1073741824');
    expect(reader.state).toBe('failed');
  });

  it('rejects an oversize header that arrives split across chunks', () => {
    const reader = new FrontendReader({ startup: false });
    expect(reader.push(Buffer.from([FrontendCode.Query, 0x40]))).toEqual([]);
    expectProtocolError(() => reader.push(Buffer.from([0, 0, 0])), ProtocolErrorCode.MessageTooLarge);
  });

  it('buffers in proportion to what arrived, not to what the header claims', () => {
    const reader = new FrontendReader({ startup: false, maxMessageBytes: 2 ** 31 - 1 });
    const before = process.memoryUsage().arrayBuffers;
    const header = Buffer.alloc(5);
    header[0] = FrontendCode.CopyData;
    header.writeInt32BE(2 ** 30, 1); // 1 GiB announced and allowed
    reader.push(header);
    const piece = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 16; i++) reader.push(piece); // 1 MiB actually sent
    expect(reader.bufferedBytes).toBe(5 + 16 * 64 * 1024);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(32 * 1024 * 1024);
  });

  it('stays failed after an error and rethrows it', () => {
    const reader = new FrontendReader({ startup: false });
    const first = expectProtocolError(() => reader.push(Buffer.from([0xff, 0, 0, 0, 4])), ProtocolErrorCode.UnknownMessage);
    let again: unknown;
    try {
      reader.push(encodeQuery('SELECT 1'));
    } catch (error) {
      again = error;
    }
    expect(again).toBe(first);
    expect(reader.state).toBe('failed');
  });

  it('frames a single typed message', () => {
    const frame = frontendFrame(encodeQuery('SELECT 1'));
    expect(frame.code).toBe(FrontendCode.Query);
    expect(frame.length).toBe(4 + 9);
  });
});
