import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { DataType, decimalLength, FIXED_SIZES, isUtf8Collation, timeLength, typeName, valueFraming } from './data-types.js';
import type { TypeInfo } from './data-types.js';
import { valueBytes } from './value-layout.js';
import type { ValueRange } from './value-layout.js';
import type { TdsWriter } from './writer.js';

/**
 * JavaScript values for TDS data, for the parts of the system that must read or produce values (the
 * TDS test server, tests, a masker's replacements). The gateway's relay never goes through this: it
 * keeps values as byte ranges.
 *
 * Representation: integers → number (bigint → bigint), bit → boolean, float → number, decimal and
 * money → string (exact), strings → string, binary → Buffer, uniqueidentifier → upper-case string,
 * date/time types → ISO-like strings `YYYY-MM-DD`, `HH:MM:SS.fffffff`, `YYYY-MM-DD HH:MM:SS.fffffff`
 * (+ `±HH:MM` for datetimeoffset), so no precision is lost to JS Date.
 */
export type TdsValue = null | number | bigint | boolean | string | Buffer;

const DAY_MS = 86_400_000;
const EPOCH_1900 = Date.UTC(1900, 0, 1);

function epoch0001(): number {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  d.setUTCHours(0, 0, 0, 0);
  return d.getTime();
}
const EPOCH_0001_MS = epoch0001();

function pad(n: number | bigint, width: number): string {
  return n.toString().padStart(width, '0');
}

function dateFromDays(days: number, epochMs: number): string {
  const d = new Date(epochMs + days * DAY_MS);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

function daysFrom(date: string, epochMs: number): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!m) throw new ProtocolError(ProtocolErrorCode.Unencodable, `not a date: ${JSON.stringify(date)}`);
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(0, 0, 0, 0);
  return Math.round((d.getTime() - epochMs) / DAY_MS);
}

/** `HH:MM:SS.fffffff` from a count of 10^-scale second units. */
function timeFromUnits(units: bigint, scale: number): string {
  const hundredNs = units * 10n ** BigInt(7 - scale);
  const totalSeconds = hundredNs / 10_000_000n;
  const fraction = hundredNs % 10_000_000n;
  const h = totalSeconds / 3600n;
  const m = (totalSeconds % 3600n) / 60n;
  const s = totalSeconds % 60n;
  const frac = scale > 0 ? `.${pad(fraction, 7).slice(0, scale)}` : '';
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${frac}`;
}

/** Parses `HH:MM:SS(.f+)?` into 10^-scale second units. */
function unitsFromTime(time: string, scale: number): bigint {
  const m = /(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?/.exec(time);
  if (!m) return 0n;
  const fraction = (m[4] ?? '').padEnd(7, '0').slice(0, 7);
  const hundredNs = (BigInt(m[1]!) * 3600n + BigInt(m[2]!) * 60n + BigInt(m[3] ?? '0')) * 10_000_000n + BigInt(fraction);
  return hundredNs / 10n ** BigInt(7 - scale);
}

function readUIntLE(buf: Buffer, at: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[at + i]!);
  return v;
}

function writeUIntLE(v: bigint, n: number): Buffer {
  const out = Buffer.alloc(n);
  let x = v;
  for (let i = 0; i < n; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  if (x !== 0n) throw new ProtocolError(ProtocolErrorCode.Unencodable, `value does not fit in ${n} bytes`);
  return out;
}

function decimalString(magnitude: bigint, negative: boolean, scale: number): string {
  let digits = magnitude.toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative && magnitude !== 0n ? `-${digits}` : digits;
}

function decimalMagnitude(value: string | number | bigint, scale: number): { magnitude: bigint; negative: boolean } {
  const text = typeof value === 'string' ? value.trim() : typeof value === 'bigint' ? value.toString() : value.toFixed(scale);
  const m = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m) throw new ProtocolError(ProtocolErrorCode.Unencodable, `not a decimal: ${JSON.stringify(text)}`);
  const frac = (m[3] ?? '').padEnd(scale, '0').slice(0, scale);
  return { magnitude: BigInt(`${m[2] || '0'}${frac}`), negative: m[1] === '-' };
}

function formatGuid(b: Buffer): string {
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = Buffer.from(b.subarray(from, to));
    if (reverse) part.reverse();
    return part.toString('hex');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`.toUpperCase();
}

function parseGuid(text: string): Buffer {
  const hex = text.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new ProtocolError(ProtocolErrorCode.Unencodable, `not a uniqueidentifier: ${JSON.stringify(text)}`);
  const raw = Buffer.from(hex, 'hex');
  const out = Buffer.alloc(16);
  Buffer.from(raw.subarray(0, 4)).reverse().copy(out, 0);
  Buffer.from(raw.subarray(4, 6)).reverse().copy(out, 4);
  Buffer.from(raw.subarray(6, 8)).reverse().copy(out, 6);
  raw.copy(out, 8, 8, 16);
  return out;
}

function decodeText(data: Buffer, info: TypeInfo): string {
  if (info.type === DataType.NVarChar || info.type === DataType.NChar || info.type === DataType.NText) return data.toString('utf16le');
  return isUtf8Collation(info.collation) ? data.toString('utf8') : data.toString('latin1');
}

function encodeText(text: string, info: TypeInfo): Buffer {
  if (info.type === DataType.NVarChar || info.type === DataType.NChar || info.type === DataType.NText) return Buffer.from(text, 'utf16le');
  return Buffer.from(text, isUtf8Collation(info.collation) ? 'utf8' : 'latin1');
}

/** Decodes the value at `range` (from `scanValue`) as a JS value. */
export function decodeValue(buf: Buffer, range: ValueRange, info: TypeInfo): TdsValue {
  const data = valueBytes(buf, range);
  if (data === undefined) return null;
  const t = info.type;
  const n = data.length;
  switch (t) {
    case DataType.TinyInt:
      return data[0]!;
    case DataType.SmallInt:
      return data.readInt16LE(0);
    case DataType.Int:
      return data.readInt32LE(0);
    case DataType.BigInt:
      return data.readBigInt64LE(0);
    case DataType.IntN:
      return n === 1 ? data[0]! : n === 2 ? data.readInt16LE(0) : n === 4 ? data.readInt32LE(0) : data.readBigInt64LE(0);
    case DataType.Bit:
    case DataType.BitN:
      return data[0] !== 0;
    case DataType.Real:
      return data.readFloatLE(0);
    case DataType.Float:
      return data.readDoubleLE(0);
    case DataType.FloatN:
      return n === 4 ? data.readFloatLE(0) : data.readDoubleLE(0);
    case DataType.Money:
    case DataType.SmallMoney:
    case DataType.MoneyN: {
      const raw = n === 4 ? BigInt(data.readInt32LE(0)) : (BigInt(data.readInt32LE(0)) << 32n) | BigInt(data.readUInt32LE(4));
      return decimalString(raw < 0n ? -raw : raw, raw < 0n, 4);
    }
    case DataType.DecimalN:
    case DataType.NumericN:
    case DataType.DecimalLegacy:
    case DataType.NumericLegacy:
      return decimalString(readUIntLE(data, 1, n - 1), data[0] === 0, info.scale ?? 0);
    case DataType.DateTime:
    case DataType.SmallDateTime:
    case DataType.DateTimeN: {
      if (n === 4) {
        const days = data.readUInt16LE(0);
        const minutes = data.readUInt16LE(2);
        return `${dateFromDays(days, EPOCH_1900)} ${pad(Math.floor(minutes / 60), 2)}:${pad(minutes % 60, 2)}:00`;
      }
      const days = data.readInt32LE(0);
      const ticks = data.readUInt32LE(4); // 1/300 s
      const ms = Math.round((ticks * 10) / 3);
      return `${dateFromDays(days, EPOCH_1900)} ${timeFromUnits(BigInt(ms), 3)}`;
    }
    case DataType.Date:
      return dateFromDays(data.readUIntLE(0, 3), EPOCH_0001_MS);
    case DataType.Time:
      return timeFromUnits(readUIntLE(data, 0, n), info.scale ?? 7);
    case DataType.DateTime2: {
      const tl = n - 3;
      return `${dateFromDays(data.readUIntLE(tl, 3), EPOCH_0001_MS)} ${timeFromUnits(readUIntLE(data, 0, tl), info.scale ?? 7)}`;
    }
    case DataType.DateTimeOffset: {
      const tl = n - 5;
      const offset = data.readInt16LE(n - 2);
      const sign = offset < 0 ? '-' : '+';
      const abs = Math.abs(offset);
      return `${dateFromDays(data.readUIntLE(tl, 3), EPOCH_0001_MS)} ${timeFromUnits(readUIntLE(data, 0, tl), info.scale ?? 7)} ${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
    }
    case DataType.Guid:
      return formatGuid(data);
    case DataType.BigVarChar:
    case DataType.BigChar:
    case DataType.NVarChar:
    case DataType.NChar:
    case DataType.Text:
    case DataType.NText:
    case DataType.CharLegacy:
    case DataType.VarCharLegacy:
    case DataType.Xml:
      return t === DataType.Xml ? data.toString('utf16le') : decodeText(data, info);
    default:
      return Buffer.from(data);
  }
}

function expectKind(value: TdsValue, ok: boolean, info: TypeInfo): void {
  if (!ok) throw new ProtocolError(ProtocolErrorCode.Unencodable, `cannot encode ${typeof value} as ${typeName(info.type)}`);
}

/** The data bytes (no framing) of a non-null JS value for `info`. */
export function encodeValueData(value: Exclude<TdsValue, null>, info: TypeInfo): Buffer {
  const t = info.type;
  const num = (): number => (typeof value === 'boolean' ? (value ? 1 : 0) : Number(value));
  switch (t) {
    case DataType.TinyInt:
      return Buffer.from([num() & 0xff]);
    case DataType.SmallInt: {
      const b = Buffer.alloc(2);
      b.writeInt16LE(num());
      return b;
    }
    case DataType.Int: {
      const b = Buffer.alloc(4);
      b.writeInt32LE(num());
      return b;
    }
    case DataType.BigInt: {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(typeof value === 'boolean' ? num() : (value as number | bigint | string)));
      return b;
    }
    case DataType.IntN: {
      const size = info.length ?? 4;
      const b = Buffer.alloc(size);
      if (size === 1) b[0] = num() & 0xff;
      else if (size === 2) b.writeInt16LE(num());
      else if (size === 4) b.writeInt32LE(num());
      else b.writeBigInt64LE(BigInt(typeof value === 'boolean' ? num() : (value as number | bigint | string)));
      return b;
    }
    case DataType.Bit:
    case DataType.BitN:
      return Buffer.from([value === true || (typeof value !== 'boolean' && Number(value) !== 0) ? 1 : 0]);
    case DataType.Real: {
      const b = Buffer.alloc(4);
      b.writeFloatLE(num());
      return b;
    }
    case DataType.Float:
    case DataType.FloatN: {
      const size = t === DataType.Float ? 8 : (info.length ?? 8);
      const b = Buffer.alloc(size);
      if (size === 4) b.writeFloatLE(num());
      else b.writeDoubleLE(num());
      return b;
    }
    case DataType.Money:
    case DataType.SmallMoney:
    case DataType.MoneyN: {
      expectKind(value, typeof value !== 'boolean' && !Buffer.isBuffer(value), info);
      const { magnitude, negative } = decimalMagnitude(value as string | number | bigint, 4);
      const raw = negative ? -magnitude : magnitude;
      const size = t === DataType.SmallMoney ? 4 : t === DataType.Money ? 8 : (info.length ?? 8);
      const b = Buffer.alloc(size);
      if (size === 4) b.writeInt32LE(Number(raw));
      else {
        b.writeInt32LE(Number(BigInt.asIntN(32, raw >> 32n)), 0);
        b.writeUInt32LE(Number(BigInt.asUintN(32, raw)), 4);
      }
      return b;
    }
    case DataType.DecimalN:
    case DataType.NumericN:
    case DataType.DecimalLegacy:
    case DataType.NumericLegacy: {
      expectKind(value, typeof value !== 'boolean' && !Buffer.isBuffer(value), info);
      const { magnitude, negative } = decimalMagnitude(value as string | number | bigint, info.scale ?? 0);
      const size = info.length ?? decimalLength(info.precision ?? 18);
      return Buffer.concat([Buffer.from([negative ? 0 : 1]), writeUIntLE(magnitude, size - 1)]);
    }
    case DataType.DateTime:
    case DataType.DateTimeN:
    case DataType.SmallDateTime: {
      const text = dateText(value);
      const days = daysFrom(text, EPOCH_1900);
      const ms = Number(unitsFromTime(text.slice(10), 3));
      if (t === DataType.SmallDateTime || info.length === 4) {
        const b = Buffer.alloc(4);
        b.writeUInt16LE(days);
        b.writeUInt16LE(Math.floor(ms / 60000), 2);
        return b;
      }
      const b = Buffer.alloc(8);
      b.writeInt32LE(days, 0);
      b.writeUInt32LE(Math.round((ms * 3) / 10), 4);
      return b;
    }
    case DataType.Date: {
      const b = Buffer.alloc(3);
      b.writeUIntLE(daysFrom(dateText(value), EPOCH_0001_MS), 0, 3);
      return b;
    }
    case DataType.Time: {
      const scale = info.scale ?? 7;
      return writeUIntLE(unitsFromTime(dateText(value), scale), timeLength(scale));
    }
    case DataType.DateTime2:
    case DataType.DateTimeOffset: {
      const scale = info.scale ?? 7;
      const text = dateText(value);
      const timePart = text.length > 10 ? text.slice(11) : '00:00:00';
      const parts = [writeUIntLE(unitsFromTime(timePart, scale), timeLength(scale))];
      const date = Buffer.alloc(3);
      date.writeUIntLE(daysFrom(text, EPOCH_0001_MS), 0, 3);
      parts.push(date);
      if (t === DataType.DateTimeOffset) {
        const m = /([+-])(\d{2}):(\d{2})$/.exec(text.trim());
        const off = Buffer.alloc(2);
        off.writeInt16LE(m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0);
        parts.push(off);
      }
      return Buffer.concat(parts);
    }
    case DataType.Guid:
      expectKind(value, typeof value === 'string' || Buffer.isBuffer(value), info);
      return Buffer.isBuffer(value) ? value : parseGuid(value as string);
    case DataType.BigVarChar:
    case DataType.BigChar:
    case DataType.NVarChar:
    case DataType.NChar:
    case DataType.Text:
    case DataType.NText:
    case DataType.CharLegacy:
    case DataType.VarCharLegacy:
      return Buffer.isBuffer(value) ? value : encodeText(String(value), info);
    case DataType.Xml:
      return Buffer.from(String(value), 'utf16le');
    default:
      expectKind(value, Buffer.isBuffer(value) || typeof value === 'string', info);
      return Buffer.isBuffer(value) ? value : Buffer.from(value as string, 'utf8');
  }
}

function dateText(value: TdsValue): string {
  if (typeof value === 'string') return value.trim().replace('T', ' ').replace(/Z$/, '');
  throw new ProtocolError(ProtocolErrorCode.Unencodable, `date/time values are strings (YYYY-MM-DD HH:MM:SS.fffffff), got ${typeof value}`);
}

/** PLP chunk size used by encoders (SQL Server's own choice varies; any positive size is valid). */
export const PLP_CHUNK = 8000;

/** Writes a whole value (framing + data) for `info`; `where` selects text-pointer framing for rows. */
export function writeValue(w: TdsWriter, info: TypeInfo, value: TdsValue, where: 'row' | 'param'): void {
  const framing = valueFraming(info, where);
  if (value === null) {
    switch (framing) {
      case 'fixed':
        throw new ProtocolError(ProtocolErrorCode.Unencodable, `${typeName(info.type)} is a fixed-length type and cannot carry NULL; use its nullable variant`);
      case 'bytelen':
        w.uint8(0);
        return;
      case 'ushortlen':
        w.uint16(0xffff);
        return;
      case 'longlen':
        w.uint32(info.type === DataType.Variant ? 0 : 0xffffffff);
        return;
      case 'textptr':
        w.uint8(0);
        return;
      case 'plp':
        w.uint64(0xffffffffffffffffn);
        return;
    }
  }
  writeValueData(w, info, encodeValueData(value, info), where);
}

/** Writes already-encoded data bytes with the framing `info` requires (used by row rewriting). */
export function writeValueData(w: TdsWriter, info: TypeInfo, data: Buffer, where: 'row' | 'param'): void {
  const framing = valueFraming(info, where);
  switch (framing) {
    case 'fixed':
      if (data.length !== FIXED_SIZES[info.type]) throw new ProtocolError(ProtocolErrorCode.Unencodable, `${typeName(info.type)} needs ${FIXED_SIZES[info.type]} bytes`);
      w.bytes(data);
      return;
    case 'bytelen':
      if (data.length > 0xff) throw new ProtocolError(ProtocolErrorCode.Unencodable, `${typeName(info.type)} value of ${data.length} bytes exceeds 255`);
      w.uint8(data.length).bytes(data);
      return;
    case 'ushortlen':
      if (data.length >= 0xffff) throw new ProtocolError(ProtocolErrorCode.Unencodable, `${typeName(info.type)} value of ${data.length} bytes exceeds 65534`);
      w.uint16(data.length).bytes(data);
      return;
    case 'longlen':
      w.uint32(data.length).bytes(data);
      return;
    case 'textptr':
      // A dummy 16-byte text pointer and 8-byte timestamp, as servers send for result-set text values.
      w.uint8(16).bytes(Buffer.alloc(16, 0x01)).bytes(Buffer.alloc(8)).uint32(data.length).bytes(data);
      return;
    case 'plp':
      w.uint64(BigInt(data.length));
      for (let at = 0; at < data.length; at += PLP_CHUNK) {
        const chunk = data.subarray(at, Math.min(data.length, at + PLP_CHUNK));
        w.uint32(chunk.length).bytes(chunk);
      }
      w.uint32(0);
      return;
  }
}
