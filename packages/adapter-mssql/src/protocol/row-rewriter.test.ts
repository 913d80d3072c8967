import { describe, expect, it } from 'vitest';
import { SAMPLE_COLUMNS, SAMPLE_NULL_ROW, SAMPLE_ROW } from '../testing/sample-streams.js';
import { DataType, DEFAULT_COLLATION } from './data-types.js';
import { NOT_ENOUGH_DATA } from './reader.js';
import { encodeColumnText, rewriteRow } from './row-rewriter.js';
import { encodeNbcRow, encodeRow } from './tokens/row.js';
import { newTokenContext, parseToken } from './tokens/parse-token.js';
import type { ColumnMetadata, RowToken } from './tokens/token-types.js';
import type { Replacement } from './row-rewriter.js';
import { decodeValue } from './values.js';

function parseRow(bytes: Buffer, columns: readonly ColumnMetadata[]): RowToken {
  const ctx = newTokenContext();
  ctx.columns = columns;
  const r = parseToken(bytes, 0, ctx);
  if (r === NOT_ENOUGH_DATA || (r.token.kind !== 'row' && r.token.kind !== 'nbcrow')) throw new Error('not a row');
  expect(r.next).toBe(bytes.length);
  return r.token;
}

const decodeAll = (row: RowToken, columns: readonly ColumnMetadata[]) => row.values.map((v, i) => decodeValue(row.raw, v, columns[i]!.typeInfo));
const idx = (name: string) => SAMPLE_COLUMNS.findIndex((c) => c.name === name);

describe('row rewriter', () => {
  it('replaces text (incl. PLP and ntext) and nulls others in a ROW, copying untouched values', () => {
    const row = parseRow(encodeRow(SAMPLE_COLUMNS, SAMPLE_ROW), SAMPLE_COLUMNS);
    const replacements = new Map<number, Replacement>([
      [idx('email'), { kind: 'data', data: encodeColumnText(SAMPLE_COLUMNS[idx('email')]!, 'a***@example.com') }],
      [idx('notes'), { kind: 'data', data: encodeColumnText(SAMPLE_COLUMNS[idx('notes')]!, '[redacted]') }],
      [idx('legacy'), { kind: 'data', data: encodeColumnText(SAMPLE_COLUMNS[idx('legacy')]!, 'masked ntext') }],
      [idx('code'), { kind: 'data', data: encodeColumnText(SAMPLE_COLUMNS[idx('code')]!, 'X'.repeat(80)) }],
      [idx('uid'), { kind: 'null' }],
      [idx('doc'), { kind: 'null' }],
      [idx('amount'), { kind: 'null' }],
    ]);
    const rewritten = parseRow(rewriteRow(row, SAMPLE_COLUMNS, replacements), SAMPLE_COLUMNS);
    const expected: unknown[] = [...decodeAll(row, SAMPLE_COLUMNS)];
    expected[idx('email')] = 'a***@example.com';
    expected[idx('notes')] = '[redacted]';
    expected[idx('legacy')] = 'masked ntext';
    expected[idx('code')] = 'X'.repeat(50); // cut to varchar(50)
    expected[idx('uid')] = null;
    expected[idx('doc')] = null;
    expected[idx('amount')] = null;
    expect(decodeAll(rewritten, SAMPLE_COLUMNS)).toEqual(expected);
  });

  it('returns the original bytes when nothing is replaced', () => {
    const bytes = encodeRow(SAMPLE_COLUMNS, SAMPLE_ROW);
    const row = parseRow(bytes, SAMPLE_COLUMNS);
    expect(rewriteRow(row, SAMPLE_COLUMNS, new Map())).toBe(row.raw);
  });

  it('keeps the NBCROW bitmap right when values become NULL or NULLs get values', () => {
    const values = SAMPLE_NULL_ROW.map((v, i) => (i === idx('email') ? 'bob@example.com' : i === idx('code') ? 'c1' : v));
    const row = parseRow(encodeNbcRow(SAMPLE_COLUMNS, values), SAMPLE_COLUMNS);
    const rewritten = parseRow(
      rewriteRow(row, SAMPLE_COLUMNS, new Map<number, Replacement>([
        [idx('email'), { kind: 'null' }],
        [idx('notes'), { kind: 'data', data: encodeColumnText(SAMPLE_COLUMNS[idx('notes')]!, 'now set') }],
      ])),
      SAMPLE_COLUMNS,
    );
    const expected = [...values];
    expected[idx('email')] = null;
    expected[idx('notes')] = 'now set';
    expect(decodeAll(rewritten, SAMPLE_COLUMNS)).toEqual(expected);
  });

  it('refuses NULL for a fixed-length NOT NULL column (the masker needs a stand-in value)', () => {
    const row = parseRow(encodeRow(SAMPLE_COLUMNS, SAMPLE_ROW), SAMPLE_COLUMNS);
    expect(() => rewriteRow(row, SAMPLE_COLUMNS, new Map([[0, { kind: 'null' } as const]]))).toThrow(expect.objectContaining({ code: 'TDS_UNENCODABLE' }));
  });

  it('encodes masked text by collation (UTF-8 collations) and never splits a UCS-2 unit', () => {
    const utf8: ColumnMetadata = { userType: 0, flags: 1, typeInfo: { type: DataType.BigVarChar, length: 20, collation: Buffer.from([0x09, 0x04, 0xd0, 0x04, 0x00]) }, name: 'u' };
    expect(encodeColumnText(utf8, 'ü').toString('hex')).toBe('c3bc');
    const narrow: ColumnMetadata = { userType: 0, flags: 1, typeInfo: { type: DataType.NVarChar, length: 5, collation: DEFAULT_COLLATION }, name: 'n' };
    expect(encodeColumnText(narrow, 'abcdef')).toHaveLength(4);
  });
});
