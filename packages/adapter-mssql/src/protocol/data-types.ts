import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import type { TdsReader } from './reader.js';
import type { TdsWriter } from './writer.js';

/** Data type bytes (MS-TDS 2.2.5.4). */
export const DataType = {
  Null: 0x1f,
  TinyInt: 0x30,
  Bit: 0x32,
  SmallInt: 0x34,
  Int: 0x38,
  SmallDateTime: 0x3a,
  Real: 0x3b,
  Money: 0x3c,
  DateTime: 0x3d,
  Float: 0x3e,
  SmallMoney: 0x7a,
  BigInt: 0x7f,
  Guid: 0x24,
  IntN: 0x26,
  DecimalLegacy: 0x37,
  NumericLegacy: 0x3f,
  BitN: 0x68,
  DecimalN: 0x6a,
  NumericN: 0x6c,
  FloatN: 0x6d,
  MoneyN: 0x6e,
  DateTimeN: 0x6f,
  Date: 0x28,
  Time: 0x29,
  DateTime2: 0x2a,
  DateTimeOffset: 0x2b,
  CharLegacy: 0x2f,
  VarCharLegacy: 0x27,
  BinaryLegacy: 0x2d,
  VarBinaryLegacy: 0x25,
  BigVarBinary: 0xa5,
  BigVarChar: 0xa7,
  BigBinary: 0xad,
  BigChar: 0xaf,
  NVarChar: 0xe7,
  NChar: 0xef,
  Xml: 0xf1,
  Udt: 0xf0,
  Text: 0x23,
  NText: 0x63,
  Image: 0x22,
  Variant: 0x62,
} as const;

/** Sizes of the fixed-length types. */
export const FIXED_SIZES: Readonly<Record<number, number>> = {
  0x1f: 0,
  0x30: 1,
  0x32: 1,
  0x34: 2,
  0x38: 4,
  0x3a: 4,
  0x3b: 4,
  0x3c: 8,
  0x3d: 8,
  0x3e: 8,
  0x7a: 4,
  0x7f: 8,
};

/** The USHORT max length that marks a (n)varchar(max)/varbinary(max)/xml column, whose values are PLP. */
export const MAX_LENGTH_PLP = 0xffff;

/** How a value of the type is framed on the wire. */
export type ValueFraming = 'fixed' | 'bytelen' | 'ushortlen' | 'plp' | 'textptr' | 'longlen';

/** TYPE_INFO (MS-TDS 2.2.5.6). Absent fields do not apply to the type. */
export interface TypeInfo {
  readonly type: number;
  /** Declared max length in bytes (BYTELEN/USHORTLEN/LONGLEN types); 0xFFFF for MAX (PLP). */
  readonly length?: number;
  readonly precision?: number;
  readonly scale?: number;
  /** Five collation bytes (LCID + flags + version, then sort id). */
  readonly collation?: Buffer;
  /** XML schema info, when present. */
  readonly xmlSchema?: { readonly database: string; readonly owningSchema: string; readonly collection: string };
  /** UDT info (COLMETADATA form). */
  readonly udt?: { readonly maxByteSize: number; readonly database: string; readonly schema: string; readonly typeName: string; readonly assemblyName: string };
}

const BYTELEN_TYPES = new Set<number>([0x24, 0x26, 0x37, 0x3f, 0x68, 0x6a, 0x6c, 0x6d, 0x6e, 0x6f, 0x2f, 0x27, 0x2d, 0x25]);
const USHORTLEN_TYPES = new Set<number>([0xa5, 0xa7, 0xad, 0xaf, 0xe7, 0xef]);
const COLLATED = new Set<number>([0xa7, 0xaf, 0xe7, 0xef, 0x23, 0x63]);
/** Character types (those whose values a text masker may rewrite). */
export const CHARACTER_TYPES: ReadonlySet<number> = new Set<number>([0xa7, 0xaf, 0xe7, 0xef, 0x23, 0x63, 0x2f, 0x27]);
/** UCS-2 character types. */
export const UNICODE_TYPES: ReadonlySet<number> = new Set<number>([0xe7, 0xef, 0x63]);

export function typeName(type: number): string {
  const entry = Object.entries(DataType).find(([, v]) => v === type);
  return entry ? `${entry[0]} (0x${type.toString(16)})` : `0x${type.toString(16)}`;
}

/** How values of `info` are framed. `where` matters for text/ntext/image: rows use text pointers. */
export function valueFraming(info: TypeInfo, where: 'row' | 'param'): ValueFraming {
  const t = info.type;
  if (FIXED_SIZES[t] !== undefined) return 'fixed';
  if (BYTELEN_TYPES.has(t) || t === 0x28 || t === 0x29 || t === 0x2a || t === 0x2b) return 'bytelen';
  if (USHORTLEN_TYPES.has(t)) return info.length === MAX_LENGTH_PLP ? 'plp' : 'ushortlen';
  if (t === 0xf1 || t === 0xf0) return 'plp';
  if (t === 0x23 || t === 0x63 || t === 0x22) return where === 'row' ? 'textptr' : 'longlen';
  if (t === 0x62) return 'longlen';
  throw new ProtocolError(ProtocolErrorCode.UnknownType, `data type ${typeName(t)} is not supported`);
}

/** Reads TYPE_INFO. */
export function readTypeInfo(r: TdsReader): TypeInfo {
  const type = r.uint8('type');
  if (FIXED_SIZES[type] !== undefined) return { type };
  switch (type) {
    case 0x6a:
    case 0x6c:
    case 0x37:
    case 0x3f: {
      const length = r.uint8('decimal length');
      const precision = r.uint8('precision');
      const scale = r.uint8('scale');
      if (precision < 1 || precision > 38 || scale > precision) r.fail(`decimal precision ${precision} / scale ${scale} are out of range`);
      return { type, length, precision, scale };
    }
    case 0x28:
      return { type };
    case 0x29:
    case 0x2a:
    case 0x2b: {
      const scale = r.uint8('scale');
      if (scale > 7) r.fail(`time scale ${scale} is above 7`);
      return { type, scale };
    }
    case 0xf1: {
      const present = r.uint8('xml schema present');
      if (present === 0) return { type, length: MAX_LENGTH_PLP };
      return {
        type,
        length: MAX_LENGTH_PLP,
        xmlSchema: { database: r.bVarchar('xml db'), owningSchema: r.bVarchar('xml schema'), collection: r.usVarchar('xml collection') },
      };
    }
    case 0xf0:
      return {
        type,
        length: MAX_LENGTH_PLP,
        udt: {
          maxByteSize: r.uint16('udt max size'),
          database: r.bVarchar('udt db'),
          schema: r.bVarchar('udt schema'),
          typeName: r.bVarchar('udt type'),
          assemblyName: r.usVarchar('udt assembly'),
        },
      };
    default:
      break;
  }
  if (BYTELEN_TYPES.has(type)) {
    const length = r.uint8('length');
    return { type, length };
  }
  if (USHORTLEN_TYPES.has(type)) {
    const length = r.uint16('length');
    if (COLLATED.has(type)) return { type, length, collation: r.bytes(5, 'collation') };
    return { type, length };
  }
  if (type === 0x23 || type === 0x63 || type === 0x22 || type === 0x62) {
    const length = r.uint32('length');
    if (COLLATED.has(type)) return { type, length, collation: r.bytes(5, 'collation') };
    return { type, length };
  }
  throw new ProtocolError(ProtocolErrorCode.UnknownType, `data type ${typeName(type)} is not supported`);
}

/** Writes TYPE_INFO. */
export function writeTypeInfo(w: TdsWriter, info: TypeInfo): void {
  const t = info.type;
  w.uint8(t);
  if (FIXED_SIZES[t] !== undefined || t === 0x28) return;
  switch (t) {
    case 0x6a:
    case 0x6c:
    case 0x37:
    case 0x3f:
      w.uint8(info.length ?? decimalLength(info.precision ?? 18)).uint8(info.precision ?? 18).uint8(info.scale ?? 0);
      return;
    case 0x29:
    case 0x2a:
    case 0x2b:
      w.uint8(info.scale ?? 7);
      return;
    case 0xf1:
      if (!info.xmlSchema) {
        w.uint8(0);
        return;
      }
      w.uint8(1).bVarchar(info.xmlSchema.database).bVarchar(info.xmlSchema.owningSchema).usVarchar(info.xmlSchema.collection);
      return;
    case 0xf0: {
      const u = info.udt;
      if (!u) throw new ProtocolError(ProtocolErrorCode.Unencodable, 'UDT TYPE_INFO needs udt info');
      w.uint16(u.maxByteSize).bVarchar(u.database).bVarchar(u.schema).bVarchar(u.typeName).usVarchar(u.assemblyName);
      return;
    }
    default:
      break;
  }
  if (BYTELEN_TYPES.has(t)) {
    w.uint8(info.length ?? 0);
    return;
  }
  if (USHORTLEN_TYPES.has(t)) w.uint16(info.length ?? 0);
  else if (t === 0x23 || t === 0x63 || t === 0x22 || t === 0x62) w.uint32(info.length ?? 0x7fffffff);
  else throw new ProtocolError(ProtocolErrorCode.Unencodable, `data type ${typeName(t)} is not supported`);
  if (COLLATED.has(t)) w.bytes(info.collation ?? DEFAULT_COLLATION);
}

/** SQL_Latin1_General_CP1_CI_AS, the default collation of a SQL Server install. */
export const DEFAULT_COLLATION: Buffer = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);

/** Bytes a DECIMAL value of `precision` needs (sign byte included). */
export function decimalLength(precision: number): number {
  if (precision <= 9) return 5;
  if (precision <= 19) return 9;
  if (precision <= 28) return 13;
  return 17;
}

/** Bytes a time/datetime2 value of `scale` needs for its time part. */
export function timeLength(scale: number): number {
  if (scale <= 2) return 3;
  if (scale <= 4) return 4;
  return 5;
}

/** True when a collation's flags say the text is UTF-8 (SQL Server 2019 _UTF8 collations). */
export function isUtf8Collation(collation: Buffer | undefined): boolean {
  return collation !== undefined && collation.length >= 4 && (collation[3]! & 0x04) !== 0;
}
