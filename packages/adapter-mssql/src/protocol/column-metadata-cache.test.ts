import { describe, expect, it } from 'vitest';
import { SAMPLE_COLUMNS, SAMPLE_NULL_ROW, SAMPLE_ROW } from '../testing/sample-streams.js';
import { splitAt } from '../testing/support.js';
import { ColumnMetadataCache } from './column-metadata-cache.js';
import { DataType, DEFAULT_COLLATION } from './data-types.js';
import { TokenScanner } from './token-scanner.js';
import { encodeColMetadata } from './tokens/colmetadata.js';
import { encodeDone } from './tokens/done.js';
import { encodeNbcRow, encodeRow } from './tokens/row.js';
import { ColumnFlag, DoneStatus } from './tokens/token-types.js';
import type { ColumnMetadata } from './tokens/token-types.js';

const NARROW: ColumnMetadata[] = [
  { userType: 0, flags: 0, typeInfo: { type: DataType.Int }, name: 'id' },
  { userType: 0, flags: ColumnFlag.Nullable, typeInfo: { type: DataType.NVarChar, length: 200, collation: DEFAULT_COLLATION }, name: 'name' },
];

function response(columns: readonly ColumnMetadata[], rows: readonly (readonly unknown[])[]): Buffer {
  return Buffer.concat([
    encodeColMetadata(columns),
    ...rows.map((row, i) => (i % 2 === 0 ? encodeRow(columns, row as never) : encodeNbcRow(columns, row as never))),
    encodeDone({ status: DoneStatus.Count, curCmd: 0xc1, rowCount: rows.length }),
  ]);
}

/** Scans one response through `cache`: the non-row tokens' bytes (hex) and the rows skipped. */
function scan(chunks: readonly Buffer[], cache: ColumnMetadataCache | undefined): { raws: string[]; rows: number; columns: string[] } {
  const scanner = new TokenScanner(cache ? { columnMetadataCache: cache } : {});
  const scanned = chunks.flatMap((chunk) => scanner.push(chunk));
  scanner.endOfMessage();
  const metadata = scanned.find((s) => s.token.kind === 'colmetadata')!.token;
  return {
    raws: scanned.map((s) => s.token.raw.toString('hex')),
    rows: scanner.rows,
    columns: metadata.kind === 'colmetadata' ? metadata.columns.map((column) => column.name) : [],
  };
}

describe('ColumnMetadataCache', () => {
  it('a repeated result shape scans exactly as without the cache, at every split', () => {
    const whole = response(NARROW, [
      [1, 'ann'],
      [2, null],
      [3, 'cy'],
    ]);
    const cache = new ColumnMetadataCache();
    const expected = scan([whole], undefined);
    for (let at = 0; at <= whole.length; at++) expect(scan(splitAt(whole, [at]), cache)).toEqual(expected);
  });

  it('tells shapes apart: a different COLMETADATA is parsed, never taken for a cached one', () => {
    const cache = new ColumnMetadataCache();
    const narrow = response(NARROW, [[1, 'ann']]);
    const wide = response(SAMPLE_COLUMNS, [SAMPLE_ROW, SAMPLE_NULL_ROW]);
    const renamed = response(
      NARROW.map((column) => ({ ...column, name: column.name.toUpperCase() })),
      [[1, 'ann']],
    );
    for (const whole of [narrow, wide, renamed, narrow, wide, renamed]) expect(scan([whole], cache)).toEqual(scan([whole], undefined));
  });

  it('keeps no view of the packet it first saw', () => {
    const cache = new ColumnMetadataCache();
    const whole = response(NARROW, [[1, 'ann']]);
    const first = Buffer.from(whole);
    new TokenScanner({ columnMetadataCache: cache }).push(first);
    first.fill(0);
    const hit = cache.match(whole, 0);
    expect(hit?.token.raw.equals(encodeColMetadata(NARROW))).toBe(true);
    expect(hit?.token.columns.map((column) => column.typeInfo.collation?.equals(DEFAULT_COLLATION) ?? true)).toEqual([true, true]);
  });

  it('does not match a token cut short by the end of the buffer', () => {
    const cache = new ColumnMetadataCache();
    const metadata = encodeColMetadata(NARROW);
    cache.remember(new TokenScanner().push(metadata)[0]!.token as never);
    expect(cache.match(metadata.subarray(0, metadata.length - 1), 0)).toBeUndefined();
    expect(cache.match(metadata, 0)).toBeDefined();
  });
});
