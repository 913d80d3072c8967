import { DataType, FIXED_SIZES, timeLength, typeName, valueFraming } from './data-types.js';
import type { TypeInfo, ValueFraming } from './data-types.js';
import type { TdsReader } from './reader.js';

/** PLP total-length markers (MS-TDS 2.2.5.2.3). */
export const PLP_NULL = 0xffffffffffffffffn;
export const PLP_UNKNOWN_LENGTH = 0xfffffffffffffffen;

/**
 * Where one value sits in a buffer. Values are never copied or stringified by the scanner: a
 * consumer that needs the data (a masker, the test server) asks for it with `valueBytes`.
 */
export interface ValueRange {
  /** First byte of the value, length prefix included. */
  readonly start: number;
  /** One past its last byte. */
  readonly end: number;
  /** First data byte (after the length prefix / text pointer); equals `end` for NULL. */
  readonly dataStart: number;
  readonly isNull: boolean;
  readonly framing: ValueFraming;
}

/** Largest single PLP value the scanner accepts (a cap on memory the gateway may hold for one value). */
export const DEFAULT_MAX_VALUE_BYTES = 256 * 1024 * 1024;

/** Scans one value of type `info` at the reader's position and returns its range. */
export function scanValue(r: TdsReader, info: TypeInfo, where: 'row' | 'param', maxValueBytes = DEFAULT_MAX_VALUE_BYTES): ValueRange {
  const start = r.pos;
  const framing = valueFraming(info, where);
  switch (framing) {
    case 'fixed': {
      const n = FIXED_SIZES[info.type]!;
      r.skip(n, 'fixed value');
      return { start, end: r.pos, dataStart: start, isNull: info.type === 0x1f, framing };
    }
    case 'bytelen': {
      const n = r.uint8('value length');
      if (n !== 0 && !bytelenFits(info, n)) r.fail(`${typeName(info.type)} value has length ${n}, which that type cannot have`);
      // Legacy CHAR/VARCHAR/BINARY use 0xFF… in TDS 7 all BYTELEN NULLs are a zero length.
      r.skip(n, 'value');
      return { start, end: r.pos, dataStart: start + 1, isNull: n === 0 && info.type !== 0x2f && info.type !== 0x27 && info.type !== 0x2d && info.type !== 0x25, framing };
    }
    case 'ushortlen': {
      const n = r.uint16('value length');
      if (n === 0xffff) return { start, end: r.pos, dataStart: r.pos, isNull: true, framing };
      r.skip(n, 'value');
      return { start, end: r.pos, dataStart: start + 2, isNull: false, framing };
    }
    case 'longlen': {
      const n = r.uint32('value length');
      if (n === 0xffffffff || (info.type === 0x62 && n === 0)) return { start, end: r.pos, dataStart: r.pos, isNull: true, framing };
      if (n > maxValueBytes) r.fail(`value of ${n} bytes exceeds the ${maxValueBytes}-byte cap`);
      r.skip(n, 'value');
      return { start, end: r.pos, dataStart: start + 4, isNull: false, framing };
    }
    case 'textptr': {
      const ptrLen = r.uint8('text pointer length');
      if (ptrLen === 0) return { start, end: r.pos, dataStart: r.pos, isNull: true, framing };
      r.skip(ptrLen + 8, 'text pointer and timestamp');
      const n = r.uint32('text length');
      if (n > maxValueBytes) r.fail(`value of ${n} bytes exceeds the ${maxValueBytes}-byte cap`);
      const dataStart = r.pos;
      r.skip(n, 'text value');
      return { start, end: r.pos, dataStart, isNull: false, framing };
    }
    case 'plp': {
      const total = r.uint64('PLP length');
      if (total === PLP_NULL) return { start, end: r.pos, dataStart: r.pos, isNull: true, framing };
      if (total !== PLP_UNKNOWN_LENGTH && total > BigInt(maxValueBytes)) r.fail(`PLP value of ${total} bytes exceeds the ${maxValueBytes}-byte cap`);
      const dataStart = r.pos;
      let sum = 0;
      for (;;) {
        const chunk = r.uint32('PLP chunk length');
        if (chunk === 0) break;
        sum += chunk;
        if (sum > maxValueBytes) r.fail(`PLP value exceeds the ${maxValueBytes}-byte cap`);
        r.skip(chunk, 'PLP chunk');
      }
      if (total !== PLP_UNKNOWN_LENGTH && BigInt(sum) !== total) r.fail(`PLP chunks add up to ${sum} bytes but the value announced ${total}`);
      return { start, end: r.pos, dataStart, isNull: false, framing };
    }
  }
}

/** The data bytes of a value (PLP chunks joined; a view otherwise). Null → undefined. */
export function valueBytes(buf: Buffer, range: ValueRange): Buffer | undefined {
  if (range.isNull) return undefined;
  if (range.framing !== 'plp') return buf.subarray(range.dataStart, range.end);
  const parts: Buffer[] = [];
  let at = range.dataStart;
  for (;;) {
    const n = buf.readUInt32LE(at);
    at += 4;
    if (n === 0) break;
    parts.push(buf.subarray(at, at + n));
    at += n;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Lengths a BYTELEN value may have for its type (0, NULL, is checked by the caller). */
export function bytelenFits(info: TypeInfo, n: number): boolean {
  switch (info.type) {
    case DataType.IntN:
      return n === 1 || n === 2 || n === 4 || n === 8;
    case DataType.BitN:
      return n === 1;
    case DataType.FloatN:
    case DataType.MoneyN:
    case DataType.DateTimeN:
      return n === 4 || n === 8;
    case DataType.Guid:
      return n === 16;
    case DataType.DecimalN:
    case DataType.NumericN:
    case DataType.DecimalLegacy:
    case DataType.NumericLegacy:
      return n >= 2 && n <= 17;
    case DataType.Date:
      return n === 3;
    case DataType.Time:
      return n === timeLength(info.scale ?? 7);
    case DataType.DateTime2:
      return n === timeLength(info.scale ?? 7) + 3;
    case DataType.DateTimeOffset:
      return n === timeLength(info.scale ?? 7) + 5;
    default:
      return info.length === undefined || n <= info.length;
  }
}
