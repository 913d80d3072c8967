import type { MaskObligation } from '@gatehouse/core';
import { createMasker } from '@gatehouse/masking';
import { describe, expect, it } from 'vitest';
import { DataType } from '../protocol/data-types.js';
import { TokenStreamReader } from '../protocol/token-stream-reader.js';
import { encodeColMetadata } from '../protocol/tokens/colmetadata.js';
import { encodeDone } from '../protocol/tokens/done.js';
import { encodeMessageToken } from '../protocol/tokens/error-info.js';
import { encodeNbcRow, encodeRow } from '../protocol/tokens/row.js';
import type { ColumnMetadata, Token } from '../protocol/tokens/token-types.js';
import { decodeValue } from '../protocol/values.js';
import { SAMPLE_COLUMNS, SAMPLE_NULL_ROW, SAMPLE_ROW, selectResponse } from '../testing/sample-streams.js';
import { refusalTokens } from './native-errors.js';
import { ResponseMasker } from './response-masker.js';
import { resultColumnsOf, rowMaskerFor } from './result-masking.js';

const masker = createMasker({ standIns: { number: { text: '-1', value: -1 } } });
const obligation: MaskObligation = {
  columns: [
    { pattern: 'email', strategy: { kind: 'redact', replacement: '[email]' }, rule: 'mask-email' },
    { pattern: 'notes', strategy: { kind: 'redact', replacement: '[notes]' }, rule: 'mask-notes' },
    { pattern: 'legacy', strategy: { kind: 'redact', replacement: '[legacy]' }, rule: 'mask-legacy' },
    { pattern: 'amount', strategy: { kind: 'redact' }, rule: 'mask-amount' },
    { pattern: 'id', strategy: { kind: 'redact' }, rule: 'mask-id' },
  ],
  detectors: [],
  customDetectors: [],
  failure: 'strict',
};

function maskAll(stream: Buffer, chunk: number): Buffer {
  const response = new ResponseMasker({
    rowMaskerFor: (columns) => rowMaskerFor(columns, obligation, [], masker),
    redactText: (text) => masker.redactText(text, 'mssql'),
  });
  const out: Buffer[] = [];
  for (let at = 0; at < stream.length; at += chunk) out.push(...response.push(stream.subarray(at, at + chunk)));
  response.end();
  return Buffer.concat(out);
}

function rows(bytes: Buffer): { tokens: Token[]; columns: readonly ColumnMetadata[]; values: unknown[][] } {
  const reader = new TokenStreamReader();
  const tokens = reader.push(bytes);
  reader.endOfMessage();
  const values = tokens.flatMap((t) => (t.kind === 'row' || t.kind === 'nbcrow' ? [t.values.map((v, i) => decodeValue(t.raw, v, reader.columns![i]!.typeInfo))] : []));
  return { tokens, columns: reader.columns!, values };
}

const idx = (name: string) => SAMPLE_COLUMNS.findIndex((c) => c.name === name);

describe('result masking in the token stream', () => {
  it('describes COLMETADATA to the masker (type classes, lengths in characters, nullability)', () => {
    const columns = resultColumnsOf(SAMPLE_COLUMNS);
    expect(columns[idx('email')]).toEqual({ name: 'email', typeClass: 'text', maxLength: 50, nullable: true });
    expect(columns[idx('id')]).toEqual({ name: 'id', typeClass: 'number', nullable: false });
    expect(columns[idx('notes')]).toMatchObject({ typeClass: 'text' });
    expect(columns[idx('notes')]!.maxLength).toBeUndefined();
    expect(columns[idx('uid')]!.typeClass).toBe('uuid');
    expect(columns[idx('legacy')]).toMatchObject({ table: 'dbo.people', typeClass: 'text' });
  });

  it('rewrites text (incl. PLP and ntext), nulls masked numbers, zeroes fixed NOT NULL ones; other columns keep their bytes', () => {
    const stream = Buffer.concat([
      selectResponse(),
      encodeMessageToken('error', { number: 2627, class: 14, message: "Violation of UNIQUE KEY constraint. The duplicate key value is (ada@example.com).", serverName: 's' }),
      encodeDone(),
    ]);
    const masked = maskAll(stream, 4096);
    const original = rows(stream);
    const result = rows(masked);
    expect(result.values).toHaveLength(3);
    const [first, nulls] = result.values;
    const expected = [...original.values[0]!];
    expected[idx('email')] = '[email]';
    expected[idx('notes')] = '[notes]';
    expected[idx('legacy')] = '[legacy]';
    expected[idx('amount')] = '-1.00'; // the configured stand-in for numbers, in the column's type
    expected[idx('id')] = -1;
    expect(first).toEqual(expected);
    // NULLs stay NULL.
    expect(nulls).toEqual(SAMPLE_NULL_ROW.map((v, i) => (i === idx('id') ? -1 : v)));
    const error = result.tokens.find((t) => t.kind === 'error');
    expect(error && error.kind === 'error' && error.message).not.toContain('ada@example.com');
    // Tokens other than rows and messages are byte-identical.
    const same = (kind: string) => result.tokens.filter((t) => t.kind === kind).map((t) => t.raw.toString('hex'));
    const was = (kind: string) => original.tokens.filter((t) => t.kind === kind).map((t) => t.raw.toString('hex'));
    for (const kind of ['colmetadata', 'order', 'done']) expect(same(kind)).toEqual(was(kind));
  });

  it('strict mode without a stand-in withholds the result (MaskingError) rather than leak a NOT NULL value', () => {
    const strictMasker = createMasker();
    const response = new ResponseMasker({ rowMaskerFor: (columns) => rowMaskerFor(columns, obligation, [], strictMasker), redactText: (t) => t });
    expect(() => response.push(selectResponse())).toThrow(/NOT NULL/);
  });

  it('best-effort without a stand-in: masked numbers become NULL, or zero where the wire cannot carry NULL', () => {
    const bestEffort = { ...obligation, failure: 'best-effort' as const };
    const plain = createMasker();
    const response = new ResponseMasker({ rowMaskerFor: (columns) => rowMaskerFor(columns, bestEffort, [], plain), redactText: (t) => t });
    const out = Buffer.concat(response.push(selectResponse()));
    const [first] = rows(out).values;
    expect(first![idx('amount')]).toBeNull();
    expect(first![idx('id')]).toBe(0);
  });

  it('gives the same bytes however the response is cut into packets', () => {
    const stream = selectResponse();
    const whole = maskAll(stream, stream.length);
    for (const chunk of [1, 7, 512, 4088, 32760]) expect(maskAll(stream, chunk).equals(whole)).toBe(true);
  });

  it('passes rows through untouched (same objects) when the plan masks nothing in a result set', () => {
    const columns: ColumnMetadata[] = [{ userType: 0, flags: 1, typeInfo: { type: DataType.IntN, length: 4 }, name: 'harmless' }];
    const stream = Buffer.concat([encodeColMetadata(columns), encodeRow(columns, [1]), encodeNbcRow(columns, [null]), encodeDone()]);
    expect(maskAll(stream, 3).equals(stream)).toBe(true);
    expect(rowMaskerFor(columns, obligation, [], masker)).toBeUndefined();
    void SAMPLE_ROW;
  });
});

describe('native errors', () => {
  it('a refusal is ERROR 229 class 14 then DONE with the error bit (DONEPROC for RPC)', () => {
    const batch = rows(Buffer.concat([refusalTokens('denied by rule no-deletes')])).tokens;
    expect(batch).toMatchObject([{ kind: 'error', number: 229, class: 14, message: 'denied by rule no-deletes' }, { kind: 'done', status: 2 }]);
    const rpc = rows(refusalTokens('denied', { rpc: true, final: false })).tokens;
    expect(rpc[1]).toMatchObject({ kind: 'doneproc', status: 3 });
  });
});
