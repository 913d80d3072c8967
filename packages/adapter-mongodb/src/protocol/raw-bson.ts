import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { elementName } from './element-names.js';

/** BSON element type bytes the gateway looks at. */
export const BsonType = {
  Double: 0x01,
  String: 0x02,
  Document: 0x03,
  Array: 0x04,
  Binary: 0x05,
  Undefined: 0x06,
  ObjectId: 0x07,
  Boolean: 0x08,
  Date: 0x09,
  Null: 0x0a,
  Regex: 0x0b,
  DbPointer: 0x0c,
  Code: 0x0d,
  Symbol: 0x0e,
  CodeWithScope: 0x0f,
  Int32: 0x10,
  Timestamp: 0x11,
  Int64: 0x12,
  Decimal128: 0x13,
  MinKey: 0xff,
  MaxKey: 0x7f,
} as const;

/** One element of a raw document: where its bytes are, without decoding the value. */
export interface RawElement {
  readonly type: number;
  readonly name: string;
  /** Offset of the type byte (the element's first byte) within the document buffer. */
  readonly start: number;
  /** Offset of the value's first byte. */
  readonly valueStart: number;
  /** Offset just past the value. */
  readonly end: number;
}

function malformed(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidBson, message);
}

/**
 * Size of the BSON document starting at `buf[at]`, checked against the bytes available (up to
 * `limit`, default the buffer end) and its terminating NUL. Does not look inside.
 */
export function documentSizeAt(buf: Buffer, at: number, limit = buf.length): number {
  if (at + 5 > limit) throw malformed(`a BSON document needs at least 5 bytes; ${limit - at} left`);
  const size = buf.readInt32LE(at);
  if (size < 5 || size > limit - at) throw malformed(`BSON document length ${size} does not fit the ${limit - at} bytes left`);
  if (buf[at + size - 1] !== 0) throw malformed('BSON document does not end with a NUL byte');
  return size;
}

/** Index of the NUL ending a C string that starts at `at`, within `limit`. */
export function cstringEnd(buf: Buffer, at: number, limit: number): number {
  // Element names are short: a loop beats a native indexOf call for them.
  for (let i = at; i < limit; i++) if (buf[i] === 0) return i;
  throw malformed('unterminated C string');
}

function stringValueEnd(buf: Buffer, at: number, limit: number): number {
  if (at + 4 > limit) throw malformed('truncated string length');
  const length = buf.readInt32LE(at);
  if (length < 1 || length > limit - at - 4) throw malformed(`string length ${length} does not fit`);
  if (buf[at + 4 + length - 1] !== 0) throw malformed('string does not end with a NUL byte');
  return at + 4 + length;
}

/** Offset `n` bytes on from `at`, within `limit`. */
function fixedEnd(at: number, n: number, limit: number): number {
  if (at + n > limit) throw malformed('truncated BSON value');
  return at + n;
}

/** Offset just past a value of `type` starting at `at`; throws on unknown types or truncation. */
export function valueEnd(buf: Buffer, type: number, at: number, limit: number): number {
  switch (type) {
    case BsonType.Double:
    case BsonType.Date:
    case BsonType.Timestamp:
    case BsonType.Int64:
      return fixedEnd(at, 8, limit);
    case BsonType.String:
    case BsonType.Code:
    case BsonType.Symbol:
      return stringValueEnd(buf, at, limit);
    case BsonType.Document:
    case BsonType.Array:
    case BsonType.CodeWithScope:
      return at + documentSizeAt(buf, at, limit);
    case BsonType.Binary: {
      if (at + 5 > limit) throw malformed('truncated binary');
      const length = buf.readInt32LE(at);
      if (length < 0 || length > limit - at - 5) throw malformed(`binary length ${length} does not fit`);
      return at + 5 + length;
    }
    case BsonType.Undefined:
    case BsonType.Null:
    case BsonType.MinKey:
    case BsonType.MaxKey:
      return at;
    case BsonType.ObjectId:
      return fixedEnd(at, 12, limit);
    case BsonType.Boolean:
      return fixedEnd(at, 1, limit);
    case BsonType.Regex:
      return cstringEnd(buf, cstringEnd(buf, at, limit) + 1, limit) + 1;
    case BsonType.DbPointer:
    {
      const end = stringValueEnd(buf, at, limit);
      if (end + 12 > limit) throw malformed('truncated DBPointer');
      return end + 12;
    }
    case BsonType.Int32:
      return fixedEnd(at, 4, limit);
    case BsonType.Decimal128:
      return fixedEnd(at, 16, limit);
    default:
      throw malformed(`unknown BSON element type 0x${type.toString(16)}`);
  }
}

/**
 * The top-level elements of the document at `doc[at..]`, values untouched (a 16 MB batch array is
 * skipped by its length, not walked). Offsets are relative to `doc`.
 */
export function rawElements(doc: Buffer, at = 0): RawElement[] {
  const size = documentSizeAt(doc, at);
  const limit = at + size - 1;
  const out: RawElement[] = [];
  let offset = at + 4;
  while (offset < limit) {
    const type = doc[offset]!;
    const nameEnd = cstringEnd(doc, offset + 1, limit);
    const valueStart = nameEnd + 1;
    const end = valueEnd(doc, type, valueStart, limit);
    out.push({ type, name: elementName(doc, offset + 1, nameEnd), start: offset, valueStart, end });
    offset = end;
  }
  if (offset !== limit) throw malformed('BSON elements overrun their document');
  return out;
}

/** The first element named `name`, or undefined. */
export function findElement(elements: readonly RawElement[], name: string): RawElement | undefined {
  for (const element of elements) if (element.name === name) return element;
  return undefined;
}

/** Reads an int32/int64/double element as a number or bigint (cursor ids are int64). */
export function readInteger(doc: Buffer, element: RawElement): bigint | undefined {
  switch (element.type) {
    case BsonType.Int64:
      return doc.readBigInt64LE(element.valueStart);
    case BsonType.Int32:
      return BigInt(doc.readInt32LE(element.valueStart));
    case BsonType.Double: {
      const value = doc.readDoubleLE(element.valueStart);
      return Number.isInteger(value) ? BigInt(value) : undefined;
    }
    default:
      return undefined;
  }
}

/** Reads a string element's value, or undefined if it is not a string. */
export function readString(doc: Buffer, element: RawElement): string | undefined {
  if (element.type !== BsonType.String) return undefined;
  const length = doc.readInt32LE(element.valueStart);
  return doc.toString('utf8', element.valueStart + 4, element.valueStart + 4 + length - 1);
}

/** Builds an element from a type, a name and raw value bytes. */
export function encodeElement(type: number, name: string | Buffer, value: Buffer): Buffer {
  const nameBytes = typeof name === 'string' ? Buffer.from(name, 'utf8') : name;
  if (nameBytes.includes(0)) throw new ProtocolError(ProtocolErrorCode.Unencodable, 'BSON element names cannot contain NUL');
  const out = Buffer.allocUnsafe(1 + nameBytes.length + 1 + value.length);
  out[0] = type;
  nameBytes.copy(out, 1);
  out[1 + nameBytes.length] = 0;
  value.copy(out, 2 + nameBytes.length);
  return out;
}

/** Wraps element bytes into a document (length prefix and terminating NUL). */
export function encodeDocument(elements: readonly Buffer[]): Buffer {
  let size = 5;
  for (const element of elements) size += element.length;
  const out = Buffer.allocUnsafe(size);
  out.writeInt32LE(size, 0);
  let at = 4;
  for (const element of elements) {
    element.copy(out, at);
    at += element.length;
  }
  out[at] = 0;
  return out;
}
