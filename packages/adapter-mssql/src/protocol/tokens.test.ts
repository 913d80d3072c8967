import { describe, expect, it } from 'vitest';
import { loginResponse, rpcResponse, SAMPLE_COLUMNS, SAMPLE_NULL_ROW, SAMPLE_ROW, selectResponse } from '../testing/sample-streams.js';
import { splitAt } from '../testing/support.js';
import { DataType } from './data-types.js';
import { NOT_ENOUGH_DATA } from './reader.js';
import { TokenStreamReader } from './token-stream-reader.js';
import { newTokenContext, parseToken } from './tokens/parse-token.js';
import type { ColumnMetadata, Token } from './tokens/token-types.js';
import { decodeValue } from './values.js';

function parseAll(buf: Buffer): Token[] {
  const ctx = newTokenContext();
  const tokens: Token[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const result = parseToken(buf, offset, ctx);
    if (result === NOT_ENOUGH_DATA) throw new Error(`incomplete token at ${offset}`);
    tokens.push(result.token);
    offset = result.next;
  }
  return tokens;
}

function rowValues(token: Token, columns: readonly ColumnMetadata[]): unknown[] {
  if (token.kind !== 'row' && token.kind !== 'nbcrow') throw new Error(`not a row: ${token.kind}`);
  return token.values.map((range, i) => decodeValue(token.raw, range, columns[i]!.typeInfo));
}

/** A stable description of a token for comparisons (raw bytes + kind). */
function describe_(tokens: readonly Token[]): string[] {
  return tokens.map((t) => `${t.kind}:${t.raw.toString('hex')}`);
}

describe('token stream', () => {
  it('decodes a result set of every supported type back to the values encoded', () => {
    const tokens = parseAll(selectResponse());
    expect(tokens.map((t) => t.kind)).toEqual(['colmetadata', 'order', 'row', 'nbcrow', 'row', 'done']);
    const meta = tokens[0]!;
    expect(meta.kind === 'colmetadata' && meta.columns).toEqual(SAMPLE_COLUMNS);
    const decoded = rowValues(tokens[2]!, SAMPLE_COLUMNS);
    expect(decoded).toEqual(
      SAMPLE_ROW.map((v, i) => {
        const t = SAMPLE_COLUMNS[i]!.typeInfo.type;
        if (t === DataType.FloatN && SAMPLE_COLUMNS[i]!.typeInfo.length === 4) return Math.fround(v as number);
        return v;
      }),
    );
    expect(rowValues(tokens[3]!, SAMPLE_COLUMNS)).toEqual(SAMPLE_NULL_ROW);
    const done = tokens[5]!;
    expect(done.kind === 'done' && [done.status, done.curCmd, done.rowCount]).toEqual([0x10, 0xc1, 3n]);
  });

  it('decodes login and RPC responses', () => {
    const login = parseAll(loginResponse());
    expect(login.map((t) => t.kind)).toEqual(['envchange', 'info', 'envchange', 'envchange', 'loginack', 'envchange', 'featureextack', 'done']);
    expect(login[4]).toMatchObject({ kind: 'loginack', tdsVersion: 0x74000004, progName: 'Microsoft SQL Server', interface: 1 });
    expect(login[5]).toMatchObject({ kind: 'envchange', type: 4, newValue: '8192', oldValue: '4096' });
    expect(login[1]).toMatchObject({ kind: 'info', number: 5701, message: "Changed database context to 'master'." });
    const rpc = parseAll(rpcResponse());
    expect(rpc.map((t) => t.kind)).toEqual([
      'colmetadata', 'row', 'doneinproc', 'returnvalue', 'returnstatus', 'doneproc', 'error', 'done', 'envchange', 'fedauthinfo', 'done',
    ]);
    const rv = rpc[3]!;
    expect(rv.kind === 'returnvalue' && decodeValue(rv.raw, rv.value, rv.typeInfo)).toBe(7);
    expect(rpc[6]).toMatchObject({ kind: 'error', number: 229, class: 14, state: 5 });
    expect(rpc[7]).toMatchObject({ kind: 'done', status: 0x22 });
    expect(rpc[8]).toMatchObject({ kind: 'envchange', type: 20, routing: { protocol: 0, port: 1433, server: 'replica.example' } });
    expect(rpc[9]).toMatchObject({ kind: 'fedauthinfo', stsUrl: 'https://login.example/', spn: 'https://database.example/' });
  });

  it('reports NOT_ENOUGH_DATA (with a hint) for every truncation, never an error', () => {
    const stream = Buffer.concat([loginResponse(), selectResponse(), rpcResponse()]);
    const boundaries = new Set<number>([0]);
    {
      const ctx = newTokenContext();
      let offset = 0;
      while (offset < stream.length) {
        const r = parseToken(stream, offset, ctx);
        if (r === NOT_ENOUGH_DATA) throw new Error('unexpected');
        offset = r.next;
        boundaries.add(offset);
      }
    }
    const ctx = newTokenContext();
    let start = 0;
    for (let cut = 1; cut <= stream.length; cut++) {
      const view = stream.subarray(0, cut);
      const r = parseToken(view, start, ctx);
      if (r === NOT_ENOUGH_DATA) {
        expect(boundaries.has(cut)).toBe(false);
        expect(ctx.needed).toBeGreaterThan(cut);
      } else {
        expect(r.next).toBe(cut);
        start = cut;
      }
    }
  });

  it('gives the same tokens whatever way the stream is cut into packets (every offset)', () => {
    const stream = Buffer.concat([loginResponse(), selectResponse(), rpcResponse()]);
    const whole = describe_(new TokenStreamReader().push(stream));
    for (let i = 0; i <= stream.length; i += i < 2000 ? 1 : 31) {
      const reader = new TokenStreamReader();
      const got = splitAt(stream, [i]).flatMap((c) => reader.push(c));
      reader.endOfMessage();
      expect(describe_(got)).toEqual(whole);
    }
  });

  it('waits for the announced bytes of a large PLP value instead of re-parsing every packet', () => {
    const stream = selectResponse();
    const reader = new TokenStreamReader();
    const got: Token[] = [];
    for (let at = 0; at < stream.length; at += 512) got.push(...reader.push(stream.subarray(at, at + 512)));
    reader.endOfMessage();
    expect(describe_(got)).toEqual(describe_(new TokenStreamReader().push(stream)));
  });

  it('refuses a message that ends inside a token, unknown tokens and rows without metadata', () => {
    const reader = new TokenStreamReader();
    reader.push(selectResponse().subarray(0, 100));
    expect(() => reader.endOfMessage()).toThrow(expect.objectContaining({ code: 'TDS_MALFORMED' }));
    expect(() => new TokenStreamReader().push(Buffer.from([0x88, 0, 0]))).toThrow(expect.objectContaining({ code: 'TDS_UNKNOWN_TOKEN' }));
    expect(() => new TokenStreamReader().push(Buffer.from([0xd1, 1, 2, 3]))).toThrow(expect.objectContaining({ code: 'TDS_UNEXPECTED_MESSAGE' }));
  });

  it('refuses PLP chunks that do not add up and values above the cap', () => {
    const cols = [SAMPLE_COLUMNS[12]!];
    const meta = parseAll(Buffer.concat([selectResponse().subarray(0, 0)]));
    void meta;
    const plp = Buffer.concat([
      Buffer.from([0xd1]),
      Buffer.from('0a00000000000000', 'hex'), // announces 10 bytes
      Buffer.from('04000000', 'hex'),
      Buffer.from('aabbccdd', 'hex'),
      Buffer.from('00000000', 'hex'),
    ]);
    const ctx = newTokenContext();
    ctx.columns = cols;
    expect(() => parseToken(plp, 0, ctx)).toThrow(/add up/);
    const small = newTokenContext(2);
    small.columns = cols;
    expect(() => parseToken(plp, 0, small)).toThrow(/cap/);
  });
});
