import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { FIXED_SIZES, typeName, valueFraming } from './data-types.js';
import type { TypeInfo } from './data-types.js';
import type { ColumnMetadata } from './tokens/token-types.js';
import { bytelenFits } from './value-layout.js';

const FIXED = 0;
const BYTELEN = 1;
const USHORTLEN = 2;
const LONGLEN = 3;
const TEXTPTR = 4;
const PLP = 5;

const FRAMING_CODES = { fixed: FIXED, bytelen: BYTELEN, ushortlen: USHORTLEN, longlen: LONGLEN, textptr: TEXTPTR, plp: PLP } as const;

/**
 * How the values of one result set's rows are framed, compiled once per COLMETADATA so a row can
 * be skipped by lengths alone: no value is decoded, no range object is made per value.
 */
export interface RowLayout {
  readonly framings: Uint8Array;
  /** Fixed-size columns: the size in bytes. */
  readonly fixedSizes: Uint32Array;
  /** BYTELEN columns: which lengths (0–255) the type may have, as a lookup table (1 = fits). */
  readonly bytelenFits: readonly (Uint8Array | undefined)[];
  readonly types: readonly TypeInfo[];
  readonly bitmapBytes: number;
}

export function rowLayoutOf(columns: readonly ColumnMetadata[]): RowLayout {
  const framings = new Uint8Array(columns.length);
  const fixedSizes = new Uint32Array(columns.length);
  columns.forEach((column, i) => {
    framings[i] = FRAMING_CODES[valueFraming(column.typeInfo, 'row')];
    fixedSizes[i] = FIXED_SIZES[column.typeInfo.type] ?? 0;
  });
  const fits = columns.map((column, i) => (framings[i] === BYTELEN ? lengthTable(column.typeInfo) : undefined));
  return { framings, fixedSizes, bytelenFits: fits, types: columns.map((column) => column.typeInfo), bitmapBytes: (columns.length + 7) >> 3 };
}

function lengthTable(info: TypeInfo): Uint8Array {
  const table = new Uint8Array(256);
  table[0] = 1; // NULL
  for (let n = 1; n < 256; n++) table[n] = bytelenFits(info, n) ? 1 : 0;
  return table;
}

/** Where a skip ran out of bytes: the absolute position it needs to reach before trying again. */
export interface SkipShortfall {
  need: number;
}

/**
 * Skips the body of a ROW (`nbc` false) or NBCROW token starting at `at` (just after the token type
 * byte). Returns the offset after the row, or -1 when the row continues past `buf.length` (then
 * `short.need` says how far the bytes must reach, so a long PLP value is waited for, not re-scanned).
 * Lengths a type cannot have, and values over `maxValueBytes`, are ProtocolError Malformed: the
 * framing of everything after them would be guesswork.
 */
export function skipRow(buf: Buffer, at: number, layout: RowLayout, nbc: boolean, maxValueBytes: number, short: SkipShortfall): number {
  const { framings, fixedSizes, types, bytelenFits: fits } = layout;
  const end = buf.length;
  let bitmapAt = -1;
  if (nbc) {
    bitmapAt = at;
    at += layout.bitmapBytes;
    if (at > end) return shortAt(short, at);
  }
  for (let i = 0; i < framings.length; i++) {
    if (bitmapAt >= 0 && (buf[bitmapAt + (i >> 3)]! & (1 << (i & 7))) !== 0) continue;
    switch (framings[i]) {
      case FIXED:
        at += fixedSizes[i]!;
        break;
      case BYTELEN: {
        if (at + 1 > end) return shortAt(short, at + 1);
        const n = buf[at]!;
        if (fits[i]![n] === 0) malformed(`${typeName(types[i]!.type)} value has length ${n}, which that type cannot have`);
        at += 1 + n;
        break;
      }
      case USHORTLEN: {
        if (at + 2 > end) return shortAt(short, at + 2);
        const n = buf.readUInt16LE(at);
        at += n === 0xffff ? 2 : 2 + n;
        break;
      }
      case LONGLEN: {
        if (at + 4 > end) return shortAt(short, at + 4);
        const n = buf.readUInt32LE(at);
        if (n === 0xffffffff || (types[i]!.type === 0x62 && n === 0)) {
          at += 4;
          break;
        }
        if (n > maxValueBytes) malformed(`value of ${n} bytes exceeds the ${maxValueBytes}-byte cap`);
        at += 4 + n;
        break;
      }
      case TEXTPTR: {
        if (at + 1 > end) return shortAt(short, at + 1);
        const pointer = buf[at]!;
        at += 1;
        if (pointer === 0) break;
        at += pointer + 8;
        if (at + 4 > end) return shortAt(short, at + 4);
        const n = buf.readUInt32LE(at);
        if (n > maxValueBytes) malformed(`value of ${n} bytes exceeds the ${maxValueBytes}-byte cap`);
        at += 4 + n;
        break;
      }
      default: {
        const next = skipPlp(buf, at, maxValueBytes, short);
        if (next < 0) return next;
        at = next;
      }
    }
    if (at > end) return shortAt(short, at);
  }
  return at;
}

/** A PLP value: ULONGLONG total (NULL / unknown markers), then chunks ending with a zero length. */
function skipPlp(buf: Buffer, at: number, maxValueBytes: number, short: SkipShortfall): number {
  const end = buf.length;
  if (at + 8 > end) return shortAt(short, at + 8);
  const low = buf.readUInt32LE(at);
  const high = buf.readUInt32LE(at + 4);
  at += 8;
  if (high === 0xffffffff && low === 0xffffffff) return at;
  const known = !(high === 0xffffffff && low === 0xfffffffe);
  const total = high * 0x1_0000_0000 + low;
  if (known && total > maxValueBytes) malformed(`PLP value of ${total} bytes exceeds the ${maxValueBytes}-byte cap`);
  let sum = 0;
  for (;;) {
    if (at + 4 > end) return shortAt(short, at + 4);
    const chunk = buf.readUInt32LE(at);
    at += 4;
    if (chunk === 0) break;
    sum += chunk;
    if (sum > maxValueBytes) malformed(`PLP value exceeds the ${maxValueBytes}-byte cap`);
    at += chunk;
    if (at > end) return shortAt(short, at);
  }
  if (known && sum !== total) malformed(`PLP chunks add up to ${sum} bytes but the value announced ${total}`);
  return at;
}

function shortAt(short: SkipShortfall, need: number): -1 {
  short.need = need;
  return -1;
}

function malformed(message: string): never {
  throw new ProtocolError(ProtocolErrorCode.Malformed, message);
}
