import { ProtocolError, ProtocolErrorCode } from '../../errors.js';
import { BackendCode } from '../codes.js';
import { openFrame } from '../cursor.js';
import type { Frame } from '../frame.js';
import { MessageWriter } from '../writer.js';

/** One column of a RowDescription. */
export interface FieldDescription {
  readonly name: string;
  /** OID of the source table, 0 when the column is not a plain table column. */
  readonly tableOid: number;
  /** Attribute number in that table, 0 otherwise. */
  readonly columnAttr: number;
  readonly typeOid: number;
  /** pg_type.typlen; negative for variable width. */
  readonly typeSize: number;
  /** pg_attribute.atttypmod; type-specific, -1 when absent. */
  readonly typeMod: number;
  /** 0 text, 1 binary (always 0 in the answer to a Describe of a statement). */
  readonly format: number;
}

export interface RowDescriptionMessage {
  readonly type: 'rowDescription';
  readonly fields: readonly FieldDescription[];
}

export interface DataRowMessage {
  readonly type: 'dataRow';
  /** Views into the frame; null is SQL NULL. */
  readonly values: ReadonlyArray<Buffer | null>;
}

export function decodeRowDescription(frame: Frame): RowDescriptionMessage {
  const cursor = openFrame(frame, 'typed', BackendCode.RowDescription, 'RowDescription', false);
  const count = cursor.count16('field count');
  const fields: FieldDescription[] = [];
  for (let i = 0; i < count; i++) {
    const field = `field ${i + 1}`;
    fields.push({
      name: cursor.cstring(`${field} name`),
      tableOid: cursor.uint32(`${field} table OID`),
      columnAttr: cursor.int16(`${field} attribute number`),
      typeOid: cursor.uint32(`${field} type OID`),
      typeSize: cursor.int16(`${field} type size`),
      typeMod: cursor.int32(`${field} type modifier`),
      format: cursor.int16(`${field} format`),
    });
  }
  cursor.end();
  return { type: 'rowDescription', fields };
}

export function encodeRowDescription(fields: readonly FieldDescription[]): Buffer {
  const writer = new MessageWriter().int16(fields.length);
  for (const field of fields) {
    writer
      .cstring(field.name)
      .int32(field.tableOid)
      .int16(field.columnAttr)
      .int32(field.typeOid)
      .int16(field.typeSize)
      .int32(field.typeMod)
      .int16(field.format);
  }
  return writer.frame(BackendCode.RowDescription);
}

/**
 * Where each value of a DataRow sits, found by one pass over the length prefixes without touching the
 * values. This is the cheap path for masking: scan, then look at (and replace) only the columns the
 * mask plan names. Offsets are into `frame.payload`.
 */
export interface DataRowLayout {
  columnCount: number;
  /** Payload offset of column i's value (just after its Int32 length). */
  starts: Int32Array;
  /** Length of column i's value; -1 for NULL. */
  lengths: Int32Array;
}

/**
 * Scans a DataRow's column boundaries. Pass the previous row's layout as `into` to reuse its arrays
 * (rows of one result have the same width, so a stream of rows allocates once).
 */
export function scanDataRow(frame: Frame, into?: DataRowLayout): DataRowLayout {
  openFrame(frame, 'typed', BackendCode.DataRow, 'DataRow', false);
  const payload = frame.payload;
  if (payload.length < 2) malformedRow(`column count needs 2 bytes, only ${payload.length} present`);
  const count = payload.readUInt16BE(0);
  const layout: DataRowLayout =
    into !== undefined && into.starts.length >= count
      ? into
      : { columnCount: 0, starts: new Int32Array(count), lengths: new Int32Array(count) };
  layout.columnCount = count;
  let offset = 2;
  for (let i = 0; i < count; i++) {
    if (payload.length - offset < 4) malformedRow(`column ${i + 1} length needs 4 bytes at offset ${offset}, only ${payload.length - offset} remain`);
    const length = payload.readInt32BE(offset);
    offset += 4;
    layout.starts[i] = offset;
    layout.lengths[i] = length;
    if (length === -1) continue;
    if (length < 0) malformedRow(`column ${i + 1} length is ${length}; only -1 (NULL) may be negative`);
    if (length > payload.length - offset) {
      malformedRow(`column ${i + 1} claims ${length} bytes at offset ${offset}, but only ${payload.length - offset} remain`);
    }
    offset += length;
  }
  if (offset !== payload.length) malformedRow(`${payload.length - offset} unexpected trailing byte(s)`);
  return layout;
}

/** Value of column `index` (0-based) as a view, or null for SQL NULL. */
export function dataRowValue(frame: Frame, layout: DataRowLayout, index: number): Buffer | null {
  if (!Number.isInteger(index) || index < 0 || index >= layout.columnCount) {
    throw new ProtocolError(ProtocolErrorCode.WrongFrame, `column index ${index} is outside 0..${layout.columnCount - 1}`);
  }
  const length = layout.lengths[index]!;
  if (length < 0) return null;
  const start = layout.starts[index]!;
  return frame.payload.subarray(start, start + length);
}

export function decodeDataRow(frame: Frame): DataRowMessage {
  const layout = scanDataRow(frame);
  const values: Array<Buffer | null> = [];
  for (let i = 0; i < layout.columnCount; i++) values.push(dataRowValue(frame, layout, i));
  return { type: 'dataRow', values };
}

export function encodeDataRow(values: ReadonlyArray<Uint8Array | null>): Buffer {
  let size = 4 + 2;
  for (const value of values) size += 4 + (value === null ? 0 : value.length);
  const writer = new MessageWriter(size + 1).int16(values.length);
  for (const value of values) writer.nullableBytes(value);
  return writer.frame(BackendCode.DataRow);
}

/**
 * Re-encodes a DataRow with some columns replaced (masking). Runs of untouched columns are copied as
 * one raw slice each, length prefixes included, so they stay byte-identical and cost one memcpy per
 * run; nothing is decoded. With no replacements the original `frame.raw` is returned as is.
 */
export function rewriteDataRow(
  frame: Frame,
  replacements: ReadonlyMap<number, Uint8Array | null>,
  layout: DataRowLayout = scanDataRow(frame),
): Buffer {
  if (replacements.size === 0) return frame.raw;
  const count = layout.columnCount;
  let size = frame.length;
  for (const [index, value] of replacements) {
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new ProtocolError(ProtocolErrorCode.Unencodable, `replacement for column ${index}, but the row has columns 0..${count - 1}`);
    }
    size += (value === null ? 0 : value.length) - Math.max(layout.lengths[index]!, 0);
  }
  if (size > 0x7fffffff) throw new ProtocolError(ProtocolErrorCode.Unencodable, 'rewritten DataRow would exceed the 2 GiB length field');
  const out = Buffer.allocUnsafe(1 + size);
  out[0] = BackendCode.DataRow;
  out.writeInt32BE(size, 1);
  out.writeUInt16BE(count, 5);
  const payload = frame.payload;
  let at = 7;
  let runStart = -1; // payload offset of the first untouched column's length prefix in the current run
  for (let i = 0; i < count; i++) {
    const replaced = replacements.has(i);
    const prefix = layout.starts[i]! - 4;
    if (!replaced) {
      if (runStart < 0) runStart = prefix;
      continue;
    }
    if (runStart >= 0) {
      at += payload.copy(out, at, runStart, prefix);
      runStart = -1;
    }
    const value = replacements.get(i) as Uint8Array | null;
    if (value === null) {
      at = out.writeInt32BE(-1, at);
    } else {
      at = out.writeInt32BE(value.length, at);
      out.set(value, at);
      at += value.length;
    }
  }
  if (runStart >= 0) at += payload.copy(out, at, runStart, payload.length);
  return out;
}

function malformedRow(problem: string): never {
  throw new ProtocolError(ProtocolErrorCode.Malformed, `DataRow: ${problem}`);
}
