import { ProtocolError, ProtocolErrorCode } from '../../errors.js';
import { readTypeInfo, writeTypeInfo } from '../data-types.js';
import type { TdsReader } from '../reader.js';
import { TdsWriter } from '../writer.js';
import { ColumnFlag, TokenType } from './token-types.js';
import type { ColMetadataToken, ColumnMetadata } from './token-types.js';

const TEXT_TYPES = new Set([0x23, 0x63, 0x22]);

/** Reads COLMETADATA after its type byte. */
export function readColMetadata(r: TdsReader, start: number): ColMetadataToken {
  const count = r.uint16('column count');
  if (count === 0xffff) return { kind: 'colmetadata', columns: [], noMetadata: true, raw: r.buf.subarray(start, r.pos) };
  const columns: ColumnMetadata[] = [];
  for (let i = 0; i < count; i++) {
    const userType = r.uint32('user type');
    const flags = r.uint16('flags');
    if ((flags & ColumnFlag.Encrypted) !== 0) {
      throw new ProtocolError(ProtocolErrorCode.UnknownType, 'COLMETADATA carries an Always Encrypted column; column encryption is not negotiated by this codec');
    }
    const typeInfo = readTypeInfo(r);
    let tableName: string[] | undefined;
    if (TEXT_TYPES.has(typeInfo.type)) {
      const parts = r.uint8('table name parts');
      tableName = [];
      for (let p = 0; p < parts; p++) tableName.push(r.usVarchar('table name part'));
    }
    const name = r.bVarchar('column name');
    columns.push(tableName ? { userType, flags, typeInfo, tableName, name } : { userType, flags, typeInfo, name });
  }
  return { kind: 'colmetadata', columns, noMetadata: false, raw: r.buf.subarray(start, r.pos) };
}

/** Encodes a COLMETADATA token (an empty list encodes as 0xFFFF "no metadata" only when asked). */
export function encodeColMetadata(columns: readonly ColumnMetadata[], noMetadata = false): Buffer {
  const w = new TdsWriter();
  w.uint8(TokenType.ColMetadata);
  if (noMetadata) return w.uint16(0xffff).take();
  w.uint16(columns.length);
  for (const column of columns) {
    w.uint32(column.userType).uint16(column.flags);
    writeTypeInfo(w, column.typeInfo);
    if (TEXT_TYPES.has(column.typeInfo.type)) {
      const parts = column.tableName ?? [];
      w.uint8(parts.length);
      for (const part of parts) w.usVarchar(part);
    }
    w.bVarchar(column.name);
  }
  return w.take();
}

export function isNullable(column: ColumnMetadata): boolean {
  return (column.flags & ColumnFlag.Nullable) !== 0;
}
