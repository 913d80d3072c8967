import { describe, expect, it } from 'vitest';
import { DataType, DEFAULT_COLLATION } from '../protocol/data-types.js';
import { TokenStreamReader } from '../protocol/token-stream-reader.js';
import { encodeColMetadata } from '../protocol/tokens/colmetadata.js';
import { encodeDone } from '../protocol/tokens/done.js';
import { encodeEnvChangeString, encodeRoutingEnvChange } from '../protocol/tokens/envchange.js';
import { encodeMessageToken } from '../protocol/tokens/error-info.js';
import { encodeReturnValue } from '../protocol/tokens/misc.js';
import { encodeRow } from '../protocol/tokens/row.js';
import { DoneStatus, EnvChangeType, TokenType } from '../protocol/tokens/token-types.js';
import type { ColumnMetadata, Token } from '../protocol/tokens/token-types.js';
import { splitAt } from '../testing/support.js';
import { ResponseProcessor } from './response-processor.js';

const COLUMNS: readonly ColumnMetadata[] = [
  { userType: 0, flags: 0, typeInfo: { type: DataType.Int }, name: 'id' },
  { userType: 0, flags: 1, typeInfo: { type: DataType.NVarChar, length: 200, collation: DEFAULT_COLLATION }, name: 'email' },
];

function rows(n: number): Buffer {
  const out: Buffer[] = [encodeColMetadata(COLUMNS)];
  for (let i = 1; i <= n; i++) out.push(encodeRow(COLUMNS, [i, `user${i}@example.com`]));
  out.push(encodeDone({ status: DoneStatus.Count, curCmd: 0xc1, rowCount: n }));
  return Buffer.concat(out);
}

function decode(buffers: readonly Buffer[]): Token[] {
  const reader = new TokenStreamReader();
  const tokens = reader.push(Buffer.concat(buffers));
  reader.endOfMessage();
  return tokens;
}

describe('ResponseProcessor', () => {
  it('observes rows, the first error, a database change and a returned handle, at every split', () => {
    const response = Buffer.concat([
      rows(3),
      encodeEnvChangeString(EnvChangeType.Database, 'sales', 'master'),
      encodeReturnValue({ ordinal: 0, name: '@handle', typeInfo: { type: DataType.IntN, length: 4 }, value: 17 }),
      encodeMessageToken('error', { number: 208, class: 16, message: "Invalid object name 'x'." }),
      encodeDone({ status: DoneStatus.Error }),
    ]);
    for (let at = 0; at <= response.length; at++) {
      const processor = new ResponseProcessor({ rewrite: false });
      for (const piece of splitAt(response, [at])) expect(processor.push(piece)).toEqual([]);
      processor.end();
      expect([processor.rows, processor.errorNumber, processor.database, processor.returnedHandle]).toEqual([3, 208, 'sales', 17]);
    }
  });

  it('cuts each result set at the row limit: INFO notice, DONE with the rows sent', () => {
    const processor = new ResponseProcessor({ rewrite: true, rowLimit: 2, rowLimitNotice: 'cut at 2' });
    const out = processor.push(Buffer.concat([rows(5), rows(1)]));
    processor.end();
    const tokens = decode(out);
    expect(tokens.map((token) => token.kind)).toEqual(['colmetadata', 'row', 'row', 'info', 'done', 'colmetadata', 'row', 'done']);
    expect(tokens[4]).toMatchObject({ kind: 'done', rowCount: 2n });
    expect(tokens[3]).toMatchObject({ kind: 'info', message: 'cut at 2' });
    expect(processor.rows).toBe(3);
    expect(processor.limited).toBe(true);
  });

  it.each([
    ['batch', ['colmetadata', 'row', 'row', 'info', 'done']],
    ['rpc', ['colmetadata', 'row', 'row', 'info', 'doneinproc', 'doneproc']],
  ] as const)('cancelAtLimit %s: ends the client response at the cut, then swallows until the attention acknowledgement', (form, kinds) => {
    const processor = new ResponseProcessor({ rewrite: true, rowLimit: 2, rowLimitNotice: 'cut at 2', cancelAtLimit: form });
    const response = Buffer.concat([rows(5), encodeMessageToken('error', { number: 1, class: 16, message: 'late' }), encodeDone({ status: DoneStatus.Final })]);
    for (let at = 0; at <= response.length; at += 7) {
      const cut = new ResponseProcessor({ rewrite: true, rowLimit: 2, rowLimitNotice: 'cut at 2', cancelAtLimit: form });
      const out = splitAt(response, [at]).flatMap((piece) => cut.push(piece));
      expect(decode(out).map((token) => token.kind)).toEqual(kinds);
    }
    const out = processor.push(response);
    const tokens = decode(out);
    expect(tokens.find((token) => token.kind === 'done' || token.kind === 'doneinproc')).toMatchObject({ rowCount: 2n, status: form === 'batch' ? DoneStatus.Count : DoneStatus.Count | DoneStatus.More });
    expect([processor.cancelled, processor.rows, processor.errorNumber, processor.attentionAcknowledged]).toEqual([true, 2, undefined, false]);
    expect(processor.push(encodeDone({ status: DoneStatus.Attention }))).toEqual([]);
    expect(processor.attentionAcknowledged).toBe(true);
  });

  it('redacts server messages in rewrite mode', () => {
    const processor = new ResponseProcessor({ rewrite: true, redactText: (text) => text.replace(/\d{3}-\d{2}-\d{4}/g, '***') });
    const out = processor.push(Buffer.concat([encodeMessageToken('error', { number: 2627, class: 14, message: 'duplicate key (123-45-6789)' }), encodeDone({ status: DoneStatus.Error }, TokenType.Done)]));
    expect(decode(out)[0]).toMatchObject({ kind: 'error', message: 'duplicate key (***)' });
  });

  it('notices the attention acknowledgement', () => {
    const processor = new ResponseProcessor({ rewrite: false });
    processor.push(encodeDone({ status: DoneStatus.Attention }));
    processor.end();
    expect(processor.attentionAcknowledged).toBe(true);
  });

  it('refuses ENVCHANGE routing after login and a token cut by the end of the message', () => {
    expect(() => new ResponseProcessor({ rewrite: false }).push(encodeRoutingEnvChange({ protocol: 0, port: 1433, server: 'elsewhere' }))).toThrow(/routing after login/);
    const cut = new ResponseProcessor({ rewrite: false });
    cut.push(rows(1).subarray(0, 20));
    expect(() => cut.end()).toThrow(/ended inside a token/);
  });
});
