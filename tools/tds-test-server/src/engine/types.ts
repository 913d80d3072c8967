import { ColumnFlag, DataType, decimalLength, DEFAULT_COLLATION, MAX_LENGTH_PLP } from '@gatehouse/adapter-mssql';
import type { ColumnMetadata, TdsValue, TypeInfo } from '@gatehouse/adapter-mssql';

/** A column as declared in CREATE TABLE: the T-SQL type drives the TDS type of results. */
export interface DeclaredColumn {
  readonly name: string;
  readonly type: string;
  readonly args: readonly string[];
  readonly notNull: boolean;
}

/** SQLite values as sql.js returns them. */
export type SqliteValue = number | bigint | string | Uint8Array | null;

const size = (args: readonly string[], fallback: number): number => {
  const a = args[0];
  if (a === undefined) return fallback;
  return /^max$/i.test(a) ? -1 : Number(a);
};

/** TYPE_INFO for a declared T-SQL type (NOT NULL integer-ish columns use the fixed types, as SQL Server does). */
export function typeInfoFor(column: DeclaredColumn): TypeInfo {
  const t = column.type.toLowerCase();
  const fixed = column.notNull;
  switch (t) {
    case 'int':
    case 'integer':
      return fixed ? { type: DataType.Int } : { type: DataType.IntN, length: 4 };
    case 'bigint':
      return fixed ? { type: DataType.BigInt } : { type: DataType.IntN, length: 8 };
    case 'smallint':
      return fixed ? { type: DataType.SmallInt } : { type: DataType.IntN, length: 2 };
    case 'tinyint':
      return fixed ? { type: DataType.TinyInt } : { type: DataType.IntN, length: 1 };
    case 'bit':
      return fixed ? { type: DataType.Bit } : { type: DataType.BitN, length: 1 };
    case 'float':
      return fixed ? { type: DataType.Float } : { type: DataType.FloatN, length: 8 };
    case 'real':
      return fixed ? { type: DataType.Real } : { type: DataType.FloatN, length: 4 };
    case 'money':
      return fixed ? { type: DataType.Money } : { type: DataType.MoneyN, length: 8 };
    case 'decimal':
    case 'numeric': {
      const precision = Number(column.args[0] ?? 18);
      const scale = Number(column.args[1] ?? 0);
      return { type: t === 'decimal' ? DataType.DecimalN : DataType.NumericN, length: decimalLength(precision), precision, scale };
    }
    case 'datetime':
      return fixed ? { type: DataType.DateTime } : { type: DataType.DateTimeN, length: 8 };
    case 'smalldatetime':
      return { type: DataType.DateTimeN, length: 4 };
    case 'datetime2':
      return { type: DataType.DateTime2, scale: Number(column.args[0] ?? 7) };
    case 'datetimeoffset':
      return { type: DataType.DateTimeOffset, scale: Number(column.args[0] ?? 7) };
    case 'time':
      return { type: DataType.Time, scale: Number(column.args[0] ?? 7) };
    case 'date':
      return { type: DataType.Date };
    case 'uniqueidentifier':
      return { type: DataType.Guid, length: 16 };
    case 'nvarchar': {
      const n = size(column.args, 1);
      return { type: DataType.NVarChar, length: n < 0 ? MAX_LENGTH_PLP : n * 2, collation: DEFAULT_COLLATION };
    }
    case 'nchar':
      return { type: DataType.NChar, length: size(column.args, 1) * 2, collation: DEFAULT_COLLATION };
    case 'varchar': {
      const n = size(column.args, 1);
      return { type: DataType.BigVarChar, length: n < 0 ? MAX_LENGTH_PLP : n, collation: DEFAULT_COLLATION };
    }
    case 'char':
      return { type: DataType.BigChar, length: size(column.args, 1), collation: DEFAULT_COLLATION };
    case 'varbinary': {
      const n = size(column.args, 1);
      return { type: DataType.BigVarBinary, length: n < 0 ? MAX_LENGTH_PLP : n };
    }
    case 'binary':
      return { type: DataType.BigBinary, length: size(column.args, 1) };
    case 'ntext':
      return { type: DataType.NText, length: 0x7ffffffe, collation: DEFAULT_COLLATION };
    case 'text':
      return { type: DataType.Text, length: 0x7fffffff, collation: DEFAULT_COLLATION };
    case 'image':
      return { type: DataType.Image, length: 0x7fffffff };
    default:
      return { type: DataType.NVarChar, length: MAX_LENGTH_PLP, collation: DEFAULT_COLLATION };
  }
}

export function columnMetadata(name: string, typeInfo: TypeInfo, nullable: boolean): ColumnMetadata {
  const text = typeInfo.type === DataType.NText || typeInfo.type === DataType.Text || typeInfo.type === DataType.Image;
  const base = { userType: 0, flags: nullable ? ColumnFlag.Nullable : 0, typeInfo, name: name.slice(0, 128) };
  return text ? { ...base, tableName: ['dbo', 'table'] } : base;
}

/** A TDS type for an expression column, from its values (first non-null wins). */
export function inferTypeInfo(values: readonly SqliteValue[]): TypeInfo {
  const sample = values.find((v) => v !== null && v !== undefined);
  if (sample === undefined) return { type: DataType.IntN, length: 4 };
  if (typeof sample === 'bigint') return { type: DataType.IntN, length: 8 };
  if (typeof sample === 'number') {
    const all = values.filter((v): v is number => typeof v === 'number');
    if (all.every((v) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647)) return { type: DataType.IntN, length: 4 };
    if (all.every((v) => Number.isInteger(v))) return { type: DataType.IntN, length: 8 };
    return { type: DataType.FloatN, length: 8 };
  }
  if (sample instanceof Uint8Array) return { type: DataType.BigVarBinary, length: MAX_LENGTH_PLP };
  const longest = Math.max(...values.map((v) => (typeof v === 'string' ? v.length : 0)));
  return { type: DataType.NVarChar, length: longest > 4000 ? MAX_LENGTH_PLP : 8000, collation: DEFAULT_COLLATION };
}

/** Converts a stored SQLite value to the JS value the column's TDS type encodes. */
export function toTdsValue(value: SqliteValue, info: TypeInfo): TdsValue {
  if (value === null || value === undefined) return null;
  switch (info.type) {
    case DataType.Int:
    case DataType.SmallInt:
    case DataType.TinyInt:
      return Number(value);
    case DataType.BigInt:
      return typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value)));
    case DataType.IntN:
      return info.length === 8 ? (typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value)))) : Number(value);
    case DataType.Bit:
    case DataType.BitN:
      return typeof value === 'string' ? value === '1' || value.toLowerCase() === 'true' : Number(value) !== 0;
    case DataType.Float:
    case DataType.Real:
    case DataType.FloatN:
      return Number(value);
    case DataType.DecimalN:
    case DataType.NumericN:
      return typeof value === 'number' ? value.toFixed(info.scale ?? 0) : String(value);
    case DataType.Money:
    case DataType.MoneyN:
      return typeof value === 'number' ? value.toFixed(4) : String(value);
    case DataType.BigVarBinary:
    case DataType.BigBinary:
    case DataType.Image:
      return value instanceof Uint8Array ? Buffer.from(value) : Buffer.from(String(value), 'utf8');
    default:
      return value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : String(value);
  }
}

/** Converts a decoded TDS parameter to something sql.js can bind. */
export function toSqliteValue(value: TdsValue): SqliteValue {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (Buffer.isBuffer(value)) return new Uint8Array(value);
  return value;
}

/** Parses the column list of CREATE TABLE (constraints skipped). */
export function parseColumnList(body: string): DeclaredColumn[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of body) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  parts.push(current);
  const columns: DeclaredColumn[] = [];
  for (const raw of parts) {
    const part = raw.trim();
    if (/^(constraint|primary\s+key|unique|foreign\s+key|check|index)\b/i.test(part)) continue;
    const m = /^(\[[^\]]+\]|"[^"]+"|\w+)\s+(\w+)\s*(?:\(([^)]*)\))?(.*)$/s.exec(part);
    if (!m) continue;
    columns.push({
      name: unquote(m[1]!),
      type: m[2]!,
      args: (m[3] ?? '').split(',').map((a) => a.trim()).filter((a) => a.length > 0),
      notNull: /\bnot\s+null\b/i.test(m[4] ?? '') || /\bprimary\s+key\b/i.test(m[4] ?? ''),
    });
  }
  return columns;
}

export function unquote(name: string): string {
  const last = name.trim().split('.').pop()!.trim();
  return last.replace(/^\[(.*)\]$/s, '$1').replace(/^"(.*)"$/s, '$1');
}
