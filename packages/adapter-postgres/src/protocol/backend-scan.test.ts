import { describe, expect, it } from 'vitest';
import { BackendReader } from './backend-reader.js';
import { commandCompleteRows, MALFORMED_TAG, NO_ROWS, wholeBackendMessageSize, wholeFrontendMessageSize } from './backend-scan.js';
import { BackendCode, FrontendCode } from './codes.js';
import { FrontendReader } from './frontend-reader.js';
import { encodeBind, encodeDescribe, encodeExecute, encodeParse, encodeSync } from './messages/extended.js';
import { encodeCommandComplete, decodeCommandComplete, encodeQuery } from './messages/query.js';
import { encodeDataRow, encodeRowDescription } from './messages/rows.js';
import { encodeReadyForQuery } from './messages/session.js';

const MAX = 64 * 1024 * 1024;

/** A typed message with `code`, a length field of `length` and `body`. */
function raw(code: number, length: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header[0] = code;
  header.writeInt32BE(length, 1);
  return Buffer.concat([header, body]);
}

describe('wholeBackendMessageSize', () => {
  const response = Buffer.concat([
    encodeRowDescription([{ name: 'n', tableOid: 0, columnAttr: 0, typeOid: 23, typeSize: 4, typeMod: -1, format: 0 }]),
    encodeDataRow([Buffer.from('1')]),
    encodeCommandComplete('SELECT 1'),
    encodeReadyForQuery('I'),
  ]);

  it('walks a response message by message, as the reader frames it', () => {
    const sizes: number[] = [];
    for (let at = 0; at < response.length; ) {
      const size = wholeBackendMessageSize(response, at, MAX);
      expect(size).toBeGreaterThan(0);
      sizes.push(size);
      at += size;
    }
    expect(sizes).toEqual(new BackendReader().push(response).map((frame) => frame.raw.length));
  });

  it('says 0 for every cut that leaves the message incomplete', () => {
    const first = wholeBackendMessageSize(response, 0, MAX);
    for (let end = 0; end < first; end++) expect(wholeBackendMessageSize(response.subarray(0, end), 0, MAX)).toBe(0);
  });

  it('leaves to the reader what it would refuse: unknown codes, bad or oversized lengths', () => {
    expect(wholeBackendMessageSize(raw(0x01, 4), 0, MAX)).toBe(0); // unknown code
    expect(wholeBackendMessageSize(raw(BackendCode.ReadyForQuery, 6, Buffer.from('I ')), 0, MAX)).toBe(0); // fixed size 5
    expect(wholeBackendMessageSize(raw(BackendCode.DataRow, 3), 0, MAX)).toBe(0); // below 4
    expect(wholeBackendMessageSize(raw(BackendCode.DataRow, -1), 0, MAX)).toBe(0); // wrapped
    expect(wholeBackendMessageSize(raw(BackendCode.DataRow, 10, Buffer.alloc(6)), 0, 8)).toBe(0); // above the cap
    expect(wholeBackendMessageSize(raw(BackendCode.DataRow, 10, Buffer.alloc(6)), 0, 10)).toBe(11);
  });
});

describe('wholeFrontendMessageSize', () => {
  const request = Buffer.concat([
    encodeQuery('SELECT 1'),
    encodeParse('', 'SELECT $1::int', []),
    encodeBind({ portal: '', statement: '', params: [Buffer.from('1')] }),
    encodeDescribe('P', ''),
    encodeExecute('', 0),
    encodeSync(),
  ]);

  it('walks a request message by message, as the reader frames it', () => {
    const sizes: number[] = [];
    for (let at = 0; at < request.length; ) {
      const size = wholeFrontendMessageSize(request, at, MAX);
      expect(size).toBeGreaterThan(0);
      sizes.push(size);
      at += size;
    }
    expect(sizes).toEqual(new FrontendReader({ startup: false }).push(request).map((frame) => frame.raw.length));
  });

  it('leaves to the reader what it would refuse: server codes, bad or oversized lengths, cut messages', () => {
    expect(wholeFrontendMessageSize(raw(BackendCode.DataRow, 4), 0, MAX)).toBe(0); // a server-only code
    expect(wholeFrontendMessageSize(raw(FrontendCode.Sync, 5, Buffer.alloc(1)), 0, MAX)).toBe(0); // fixed size 4
    expect(wholeFrontendMessageSize(raw(FrontendCode.Query, 4), 0, MAX)).toBe(0); // below the minimum
    expect(wholeFrontendMessageSize(raw(FrontendCode.Query, 10, Buffer.alloc(6)), 0, 8)).toBe(0); // above the cap
    expect(wholeFrontendMessageSize(request.subarray(0, 7), 0, MAX)).toBe(0); // incomplete
  });
});

describe('commandCompleteRows', () => {
  /** What the full path reads: the decoded tag, then /(\d+)$/. */
  function expected(message: Buffer): number {
    const match = /(\d+)$/.exec(decodeCommandComplete(new BackendReader().push(message)[0]!).tag);
    return match ? Number(match[1]) : NO_ROWS;
  }

  it('reads the number at the end of the tag as the decoded tag would give it', () => {
    for (const tag of ['SELECT 1', 'SELECT 0', 'INSERT 0 3', 'UPDATE 12345', 'COPY 7', 'BEGIN', 'SET', '', 'SELECT 123456789012345678', 'FETCH 1x', 'é 42']) {
      const message = encodeCommandComplete(tag);
      expect(commandCompleteRows(message, 0, message.length)).toBe(expected(message));
    }
  });

  it('reads a message in the middle of a chunk', () => {
    const chunk = Buffer.concat([encodeDataRow([Buffer.from('9')]), encodeCommandComplete('SELECT 25'), encodeReadyForQuery('I')]);
    const at = wholeBackendMessageSize(chunk, 0, MAX);
    expect(commandCompleteRows(chunk, at, wholeBackendMessageSize(chunk, at, MAX))).toBe(25);
  });

  it('says MALFORMED_TAG where the decoder would refuse the message', () => {
    const unterminated = raw(BackendCode.CommandComplete, 4 + 8, Buffer.from('SELECT 1'));
    const early = raw(BackendCode.CommandComplete, 4 + 9, Buffer.from('SELE\0T 1\0'));
    for (const message of [unterminated, early]) {
      expect(commandCompleteRows(message, 0, message.length)).toBe(MALFORMED_TAG);
      expect(() => decodeCommandComplete(new BackendReader().push(message)[0]!)).toThrow();
    }
  });
});
