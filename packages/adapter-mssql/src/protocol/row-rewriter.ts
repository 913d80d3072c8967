import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { isUtf8Collation, MAX_LENGTH_PLP, typeName, UNICODE_TYPES, valueFraming } from './data-types.js';
import { TokenType } from './tokens/token-types.js';
import type { ColumnMetadata, RowToken } from './tokens/token-types.js';
import { writeValueData } from './values.js';
import { TdsWriter } from './writer.js';

/** What to put in a column: NULL, or new data bytes (framing is recomputed from the column's type). */
export type Replacement = { readonly kind: 'null' } | { readonly kind: 'data'; readonly data: Buffer };

/**
 * Rewrites a ROW or NBCROW token, replacing the columns in `replacements` (indexed by column) and
 * copying every other value's bytes untouched. Lengths are recomputed, including PLP framing; in an
 * NBCROW the null bitmap follows the new values. NULL in a ROW is only possible for nullable
 * framings: a fixed-length (NOT NULL int) column cannot carry it, and asking is an Unencodable error —
 * the masker must pick a stand-in value for such columns instead.
 */
export function rewriteRow(row: RowToken, columns: readonly ColumnMetadata[], replacements: ReadonlyMap<number, Replacement>): Buffer {
  if (replacements.size === 0) return row.raw;
  const raw = row.raw;
  const w = new TdsWriter(raw.length + 64);
  const nbc = row.kind === 'nbcrow';
  w.uint8(nbc ? TokenType.NbcRow : TokenType.Row);
  const bitmapAt = w.length;
  const bitmap = nbc ? Buffer.alloc((columns.length + 7) >> 3) : undefined;
  if (bitmap) w.bytes(bitmap);
  let copyFrom = -1;
  let copyTo = -1;
  const flush = (): void => {
    if (copyFrom >= 0) w.bytes(raw.subarray(copyFrom, copyTo));
    copyFrom = -1;
  };
  for (let i = 0; i < columns.length; i++) {
    const range = row.values[i]!;
    const replacement = replacements.get(i);
    const column = columns[i]!;
    if (replacement === undefined) {
      if (nbc && range.isNull) {
        bitmap![i >> 3]! |= 1 << (i & 7);
        continue;
      }
      // Adjacent untouched values are copied in one go.
      if (copyFrom >= 0 && copyTo === range.start) copyTo = range.end;
      else {
        flush();
        copyFrom = range.start;
        copyTo = range.end;
      }
      continue;
    }
    flush();
    if (replacement.kind === 'null') {
      if (nbc) bitmap![i >> 3]! |= 1 << (i & 7);
      else writeNull(w, column);
    } else {
      writeValueData(w, column.typeInfo, replacement.data, 'row');
    }
  }
  flush();
  const out = w.take();
  if (bitmap) bitmap.copy(out, bitmapAt);
  return out;
}

function writeNull(w: TdsWriter, column: ColumnMetadata): void {
  const framing = valueFraming(column.typeInfo, 'row');
  switch (framing) {
    case 'fixed':
      throw new ProtocolError(ProtocolErrorCode.Unencodable, `column ${column.name} (${typeName(column.typeInfo.type)}) is fixed-length NOT NULL; it cannot be masked to NULL`);
    case 'bytelen':
    case 'textptr':
      w.uint8(0);
      return;
    case 'ushortlen':
      w.uint16(0xffff);
      return;
    case 'longlen':
      w.uint32(0xffffffff);
      return;
    case 'plp':
      w.uint64(0xffffffffffffffffn);
      return;
  }
}

/**
 * Encodes masked text for a character column: UCS-2 for n-types, UTF-8 or Latin-1 by collation for
 * the others, cut to the declared length (never for MAX/PLP or text columns) so clients that trust
 * the metadata are not surprised. Cuts never split a UCS-2 code unit.
 */
export function encodeColumnText(column: ColumnMetadata, text: string): Buffer {
  const info = column.typeInfo;
  let data = UNICODE_TYPES.has(info.type) ? Buffer.from(text, 'utf16le') : Buffer.from(text, isUtf8Collation(info.collation) ? 'utf8' : 'latin1');
  const framing = valueFraming(info, 'row');
  if ((framing === 'ushortlen' || framing === 'bytelen') && info.length !== undefined && info.length !== MAX_LENGTH_PLP && data.length > info.length) {
    const limit = UNICODE_TYPES.has(info.type) ? info.length & ~1 : info.length;
    data = data.subarray(0, limit);
  }
  return data;
}
