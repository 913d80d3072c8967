import { ProtocolError, ProtocolErrorCode } from '../../errors.js';
import type { TdsReader } from '../reader.js';
import { scanValue } from '../value-layout.js';
import type { ValueRange } from '../value-layout.js';
import { writeValue } from '../values.js';
import type { TdsValue } from '../values.js';
import { TdsWriter } from '../writer.js';
import { TokenType } from './token-types.js';
import type { ColumnMetadata, RowToken, TokenContext } from './token-types.js';

function columnsOf(ctx: TokenContext, what: string): readonly ColumnMetadata[] {
  if (ctx.columns === undefined) throw new ProtocolError(ProtocolErrorCode.UnexpectedMessage, `${what} arrived before any COLMETADATA`);
  return ctx.columns;
}

function relative(range: ValueRange, start: number): ValueRange {
  return { start: range.start - start, end: range.end - start, dataStart: range.dataStart - start, isNull: range.isNull, framing: range.framing };
}

/** Reads ROW after its type byte: one value per column, framed by each column's TYPE_INFO. */
export function readRow(r: TdsReader, start: number, ctx: TokenContext): RowToken {
  const columns = columnsOf(ctx, 'ROW');
  const values: ValueRange[] = new Array(columns.length);
  for (let i = 0; i < columns.length; i++) values[i] = relative(scanValue(r, columns[i]!.typeInfo, 'row', ctx.maxValueBytes), start);
  return { kind: 'row', values, raw: r.buf.subarray(start, r.pos) };
}

/**
 * Reads NBCROW after its type byte: a null bitmap (bit i set = column i is NULL, no bytes follow for
 * it), then the non-null values. NULL columns get an empty range at the position where they would be.
 */
export function readNbcRow(r: TdsReader, start: number, ctx: TokenContext): RowToken {
  const columns = columnsOf(ctx, 'NBCROW');
  const bitmap = r.bytes((columns.length + 7) >> 3, 'null bitmap');
  const values: ValueRange[] = new Array(columns.length);
  for (let i = 0; i < columns.length; i++) {
    if ((bitmap[i >> 3]! & (1 << (i & 7))) !== 0) {
      const at = r.pos - start;
      values[i] = { start: at, end: at, dataStart: at, isNull: true, framing: 'fixed' };
    } else {
      values[i] = relative(scanValue(r, columns[i]!.typeInfo, 'row', ctx.maxValueBytes), start);
    }
  }
  return { kind: 'nbcrow', values, raw: r.buf.subarray(start, r.pos) };
}

/** Encodes a ROW from JS values. */
export function encodeRow(columns: readonly ColumnMetadata[], values: readonly TdsValue[]): Buffer {
  const w = new TdsWriter();
  w.uint8(TokenType.Row);
  columns.forEach((column, i) => writeValue(w, column.typeInfo, values[i] ?? null, 'row'));
  return w.take();
}

/** Encodes an NBCROW from JS values (nulls go into the bitmap). */
export function encodeNbcRow(columns: readonly ColumnMetadata[], values: readonly TdsValue[]): Buffer {
  const w = new TdsWriter();
  w.uint8(TokenType.NbcRow);
  const bitmap = Buffer.alloc((columns.length + 7) >> 3);
  columns.forEach((_, i) => {
    if ((values[i] ?? null) === null) bitmap[i >> 3]! |= 1 << (i & 7);
  });
  w.bytes(bitmap);
  columns.forEach((column, i) => {
    const v = values[i] ?? null;
    if (v !== null) writeValue(w, column.typeInfo, v, 'row');
  });
  return w.take();
}
