import { ProtocolError, ProtocolErrorCode } from '../../errors.js';
import { ColumnType } from '../constants.js';
import { PayloadCursor } from '../cursor.js';
import { PayloadWriter } from '../writer.js';

/**
 * Where each value of one row sits in its payload: `starts[i]` is the first byte of value i's data,
 * `ends[i]` one past its last; NULL values have `starts[i] = -1`. Views only — a row is decoded
 * just far enough to find the values a mask plan touches.
 */
export interface RowLayout {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

function layout(columnCount: number, previous?: RowLayout): RowLayout {
  if (previous && previous.starts.length === columnCount) return previous;
  return { starts: new Int32Array(columnCount), ends: new Int32Array(columnCount) };
}

/** Text-protocol row: every value is a length-encoded string, or 0xfb for NULL. */
export function scanTextRow(payload: Buffer, columnCount: number, previous?: RowLayout): RowLayout {
  const out = layout(columnCount, previous);
  const c = new PayloadCursor(payload, 'text row');
  for (let i = 0; i < columnCount; i++) {
    const length = c.lenencIntOrNull(`value ${i} length`);
    if (length < 0) {
      out.starts[i] = -1;
      out.ends[i] = -1;
      continue;
    }
    out.starts[i] = c.position;
    c.skip(length, `value ${i}`);
    out.ends[i] = c.position;
  }
  c.end();
  return out;
}

/** A text row with some values replaced (`null` = NULL); values not in `replacements` are copied. */
export function rewriteTextRow(payload: Buffer, rowLayout: RowLayout, replacements: ReadonlyMap<number, Uint8Array | null>): Buffer {
  const w = new PayloadWriter(payload.length + 64);
  const count = rowLayout.starts.length;
  for (let i = 0; i < count; i++) {
    const replacement = replacements.get(i);
    if (replacement !== undefined) {
      if (replacement === null) w.int1(0xfb);
      else w.lenencBytes(replacement);
      continue;
    }
    const start = rowLayout.starts[i]!;
    if (start < 0) w.int1(0xfb);
    else w.lenencBytes(payload.subarray(start, rowLayout.ends[i]!));
  }
  return w.payload();
}

/** Bytes a binary-protocol value of `type` takes: fixed, or -1 for a 1-byte length prefix, or -2 for lenenc. */
export function binaryValueSize(type: number): number {
  switch (type) {
    case ColumnType.TINY:
      return 1;
    case ColumnType.SHORT:
    case ColumnType.YEAR:
      return 2;
    case ColumnType.LONG:
    case ColumnType.INT24:
    case ColumnType.FLOAT:
      return 4;
    case ColumnType.LONGLONG:
    case ColumnType.DOUBLE:
      return 8;
    case ColumnType.NULL:
      return 0;
    case ColumnType.DATE:
    case ColumnType.DATETIME:
    case ColumnType.TIMESTAMP:
    case ColumnType.TIME:
    case ColumnType.NEWDATE:
    case ColumnType.TIMESTAMP2:
    case ColumnType.DATETIME2:
    case ColumnType.TIME2:
      return -1;
    default:
      // DECIMAL, NEWDECIMAL, strings, blobs, BIT, ENUM, SET, JSON, GEOMETRY, VECTOR: length-encoded.
      return -2;
  }
}

/** Binary-protocol row: 0x00, a NULL bitmap (offset 2), then the non-NULL values by type. */
export function scanBinaryRow(payload: Buffer, types: readonly number[], previous?: RowLayout): RowLayout {
  const count = types.length;
  const out = layout(count, previous);
  const c = new PayloadCursor(payload, 'binary row');
  if (c.int1('header') !== 0x00) c.fail('binary row header is not 0x00');
  const bitmap = c.bytes((count + 7 + 2) >> 3, 'NULL bitmap');
  for (let i = 0; i < count; i++) {
    const bit = i + 2;
    if (bitmap[bit >> 3]! & (1 << (bit & 7))) {
      out.starts[i] = -1;
      out.ends[i] = -1;
      continue;
    }
    const size = binaryValueSize(types[i]!);
    if (size === -2) {
      const length = c.lenencInt(`value ${i} length`);
      out.starts[i] = c.position;
      c.skip(length, `value ${i}`);
    } else if (size === -1) {
      const length = c.int1(`value ${i} length`);
      out.starts[i] = c.position;
      c.skip(length, `value ${i}`);
    } else {
      out.starts[i] = c.position;
      c.skip(size, `value ${i}`);
    }
    out.ends[i] = c.position;
  }
  c.end();
  return out;
}

/**
 * A binary row with some values replaced: a replacement is written as a length-encoded string (so it
 * is only valid for length-encoded types) or `null`, which sets the value's NULL bit.
 */
export function rewriteBinaryRow(
  payload: Buffer,
  types: readonly number[],
  rowLayout: RowLayout,
  replacements: ReadonlyMap<number, Uint8Array | null>,
): Buffer {
  const count = types.length;
  const bitmapLength = (count + 7 + 2) >> 3;
  const bitmap = Buffer.from(payload.subarray(1, 1 + bitmapLength));
  const w = new PayloadWriter(payload.length + 64).int1(0);
  const values = new PayloadWriter(payload.length + 64);
  for (let i = 0; i < count; i++) {
    const replacement = replacements.get(i);
    const bit = i + 2;
    if (replacement !== undefined) {
      if (replacement === null) {
        bitmap[bit >> 3]! |= 1 << (bit & 7);
        continue;
      }
      if (binaryValueSize(types[i]!) !== -2) {
        throw new ProtocolError(ProtocolErrorCode.Unencodable, `a column of type 0x${types[i]!.toString(16)} cannot carry a text replacement`);
      }
      values.lenencBytes(replacement);
      continue;
    }
    const start = rowLayout.starts[i]!;
    if (start < 0) continue;
    const size = binaryValueSize(types[i]!);
    const value = payload.subarray(start, rowLayout.ends[i]!);
    if (size === -2) values.lenencBytes(value);
    else if (size === -1) values.int1(value.length).bytes(value);
    else values.bytes(value);
  }
  return Buffer.concat([w.bytes(bitmap).payload(), values.payload()]);
}
