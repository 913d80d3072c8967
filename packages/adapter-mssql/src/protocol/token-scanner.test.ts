import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { rpcResponse, SAMPLE_COLUMNS, SAMPLE_NULL_ROW, SAMPLE_ROW, selectResponse } from '../testing/sample-streams.js';
import { prng, splitAt } from '../testing/support.js';
import { DataType, DEFAULT_COLLATION, MAX_LENGTH_PLP } from './data-types.js';
import { TokenScanner } from './token-scanner.js';
import type { ScannedToken } from './token-scanner.js';
import { TokenStreamReader } from './token-stream-reader.js';
import { encodeColMetadata } from './tokens/colmetadata.js';
import { encodeDone } from './tokens/done.js';
import { encodeMessageToken } from './tokens/error-info.js';
import { encodeReturnValue } from './tokens/misc.js';
import { encodeNbcRow, encodeRow } from './tokens/row.js';
import { DoneStatus } from './tokens/token-types.js';
import type { Token } from './tokens/token-types.js';

/** What the full reader sees: every non-row token's bytes, and the number of rows. */
function viaReader(chunks: readonly Buffer[]): { raws: string[]; rows: number } {
  const reader = new TokenStreamReader();
  const tokens: Token[] = chunks.flatMap((chunk) => reader.push(chunk));
  reader.endOfMessage();
  return { raws: tokens.filter((t) => t.kind !== 'row' && t.kind !== 'nbcrow').map((t) => t.raw.toString('hex')), rows: tokens.filter((t) => t.kind === 'row' || t.kind === 'nbcrow').length };
}

function viaScanner(chunks: readonly Buffer[], whole: Buffer): { raws: string[]; rows: number; scanned: ScannedToken[] } {
  const scanner = new TokenScanner();
  const scanned = chunks.flatMap((chunk) => scanner.push(chunk));
  scanner.endOfMessage();
  // The offsets are absolute: the bytes there are the token's bytes.
  for (const { token, start, end } of scanned) expect(whole.subarray(start, end).equals(token.raw)).toBe(true);
  return { raws: scanned.map((s) => s.token.raw.toString('hex')), rows: scanner.rows, scanned };
}

/** A result small enough to split at every offset, with ROW, NBCROW, PLP and text pointers in it. */
function mixedResponse(): Buffer {
  const columns = SAMPLE_COLUMNS;
  const row = SAMPLE_ROW.map((value, i) => (typeof value === 'string' && value.length > 100 ? value.slice(0, 40) : Buffer.isBuffer(value) && i > 20 ? value.subarray(0, 30) : value));
  return Buffer.concat([
    encodeMessageToken('info', { number: 5701, class: 0, message: "Changed database context to 'sales'." }),
    encodeColMetadata(columns),
    encodeRow(columns, row),
    encodeNbcRow(columns, SAMPLE_NULL_ROW),
    encodeMessageToken('error', { number: 2627, class: 14, message: 'The duplicate key value is (42).' }),
    encodeDone({ status: DoneStatus.Count | DoneStatus.Error, curCmd: 0xc1, rowCount: 2 }),
  ]);
}

describe('TokenScanner', () => {
  it('finds the same tokens as the full reader, with absolute offsets, at every split', () => {
    const whole = mixedResponse();
    const expected = viaReader([whole]);
    expect(expected.rows).toBe(2);
    for (let at = 0; at <= whole.length; at++) {
      const got = viaScanner(splitAt(whole, [at]), whole);
      expect([got.raws, got.rows]).toEqual([expected.raws, expected.rows]);
    }
  });

  it('agrees with the full reader on the sample streams (long PLP values) cut into random pieces', () => {
    const rand = prng(0x5ca7);
    for (const whole of [selectResponse(), rpcResponse()]) {
      const expected = viaReader([whole]);
      for (let round = 0; round < 200; round++) {
        const cuts = [...new Set(Array.from({ length: 1 + rand.int(12) }, () => rand.int(whole.length)))].sort((a, b) => a - b);
        const got = viaScanner(splitAt(whole, cuts), whole);
        expect([got.raws, got.rows]).toEqual([expected.raws, expected.rows]);
      }
    }
  });

  it('reports the incomplete ERROR/INFO token it is waiting for', () => {
    const info = encodeMessageToken('info', { number: 0, class: 0, message: 'hello' });
    const done = encodeDone();
    const scanner = new TokenScanner();
    expect(scanner.push(Buffer.concat([done, info.subarray(0, 5)])).map((s) => s.token.kind)).toEqual(['done']);
    expect([scanner.pendingStart, scanner.pendingType]).toEqual([done.length, 0xab]);
    expect(scanner.push(info.subarray(5))[0]).toMatchObject({ start: done.length, end: done.length + info.length });
    expect(scanner.pendingStart).toBeUndefined();
  });

  it('rows before any COLMETADATA, a cut token and oversized tokens are ProtocolErrors', () => {
    expect(() => new TokenScanner().push(Buffer.from([0xd1, 0, 0]))).toThrow(/before any COLMETADATA/);
    const cut = new TokenScanner();
    cut.push(mixedResponse().subarray(0, 30));
    expect(() => cut.endOfMessage()).toThrow(ProtocolError);
    const rowCut = new TokenScanner();
    rowCut.push(selectResponse().subarray(0, 2_000));
    expect(() => rowCut.endOfMessage()).toThrow(/ended inside a row/);
    // Tokens other than rows are still held whole, under the cap.
    const capped = new TokenScanner({ maxTokenBytes: 1024 });
    const returned = encodeReturnValue({ ordinal: 1, name: '@notes', typeInfo: { type: DataType.NVarChar, length: MAX_LENGTH_PLP, collation: DEFAULT_COLLATION }, value: 'n'.repeat(9_000) });
    expect(() => capped.push(returned.subarray(0, 2_000))).toThrow(/maxTokenBytes/);
  });

  it('holds none of a long row that arrives in pieces: only a partial length prefix at most', () => {
    const whole = selectResponse(); // its first row carries 18 KB of nvarchar(max) and 20 KB of varbinary(max)
    const scanner = new TokenScanner();
    let most = 0;
    const tokens: ScannedToken[] = [];
    for (let at = 0; at < whole.length; at += 100) {
      tokens.push(...scanner.push(whole.subarray(at, at + 100)));
      if (scanner.received > 1_000) most = Math.max(most, scanner.bufferedBytes);
    }
    scanner.endOfMessage();
    expect(scanner.rows).toBe(3);
    expect(tokens.map((t) => t.token.kind)).toEqual(['colmetadata', 'order', 'done']);
    expect(most).toBeLessThan(100);
  });

  it('fuzz: mutated streams fail only with ProtocolError, and agree with the full reader when accepted', () => {
    const rand = prng(0xf022);
    const samples = [mixedResponse(), rpcResponse()];
    for (let round = 0; round < 3000; round++) {
      const input = Buffer.from(samples[rand.int(samples.length)]!);
      for (let i = 0, n = 1 + rand.int(3); i < n; i++) input[rand.int(input.length)] = rand.int(256);
      const cuts = Array.from({ length: 1 + rand.int(6) }, () => rand.int(input.length)).sort((a, b) => a - b);
      let expected: ReturnType<typeof viaReader> | ProtocolError;
      try {
        expected = viaReader([input]);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        expected = error;
      }
      let got: { raws: string[]; rows: number } | ProtocolError;
      try {
        const { raws, rows } = viaScanner(splitAt(input, cuts), input);
        got = { raws, rows };
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        got = error;
      }
      if (!(expected instanceof ProtocolError)) expect(got).toEqual(expected);
      else expect(got).toBeInstanceOf(ProtocolError);
    }
    // 3,000 mutated streams through both readers: seconds on a loaded 2-core machine.
  }, 30_000);
});
