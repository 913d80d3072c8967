import { isUtf8 } from 'node:buffer';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { BsonType, cstringEnd, documentSizeAt, valueEnd } from './raw-bson.js';

/** Regular expression options the `bson` package accepts (BSONRegExp). */
const REGEX_OPTIONS = new Set([0x69, 0x6d, 0x78, 0x6c, 0x73, 0x75]); // i m x l s u
const MAX_DEPTH = 100;

function invalid(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidBson, `invalid BSON document: ${message}`);
}

/**
 * Checks a document as decodeDocument would, without building it: every length and terminator
 * (bounded by the enclosing document, which is stricter than the `bson` package), UTF-8 in
 * strings, code and symbols, booleans 0 or 1, binary subtype 2's inner length, regular
 * expression options, code-with-scope framing. Throws the same ProtocolError(InvalidBson) on the
 * first fault; for commands the gateway forwards without decoding (a cached shape), so malformed
 * input still closes the connection. Deeper than MAX_DEPTH counts as malformed (MongoDB itself
 * refuses nesting beyond about 180 levels; callers only use this for small, shallow commands).
 */
export function assertValidBson(doc: Buffer): void {
  if (documentSizeAt(doc, 0) !== doc.length) throw invalid('document length does not match its bytes');
  validateDocument(doc, 0, doc.length, 0);
}

function validateDocument(doc: Buffer, at: number, limit: number, depth: number): void {
  if (depth > MAX_DEPTH) throw invalid(`nested deeper than ${MAX_DEPTH} levels`);
  const end = at + documentSizeAt(doc, at, limit) - 1;
  let offset = at + 4;
  while (offset < end) {
    const type = doc[offset]!;
    const valueStart = cstringEnd(doc, offset + 1, end) + 1;
    const next = valueEnd(doc, type, valueStart, end);
    if (type === BsonType.Document || type === BsonType.Array) validateDocument(doc, valueStart, next, depth + 1);
    else assertValidValue(doc, type, valueStart, next, depth);
    offset = next;
  }
  assertElementsFill(offset, end);
}

/**
 * The checks decoding makes of one value that is not an embedded document or array (those are
 * walked by the caller): for a walker that already delimits the elements (valueEnd) and so need
 * not walk the document twice. `depth` is the value's document's; code with scope is checked whole.
 */
export function assertValidValue(doc: Buffer, type: number, valueStart: number, next: number, depth: number): void {
  switch (type) {
    case BsonType.String:
    case BsonType.Code:
    case BsonType.Symbol:
    case BsonType.DbPointer:
      assertUtf8(doc, valueStart + 4, valueStart + 4 + doc.readInt32LE(valueStart) - 1);
      break;
    case BsonType.Boolean:
      if (doc[valueStart]! > 1) throw invalid('a boolean is neither 0 nor 1');
      break;
    case BsonType.Binary:
      if (doc[valueStart + 4] === 0x02) {
        const total = doc.readInt32LE(valueStart);
        if (total < 4 || doc.readInt32LE(valueStart + 5) !== total - 4) throw invalid('binary subtype 2 has an inner length that does not match');
      }
      break;
    case BsonType.Regex:
      validateRegexOptions(doc, cstringEnd(doc, valueStart, next) + 1, next - 1);
      break;
    case BsonType.CodeWithScope:
      validateCodeWithScope(doc, valueStart, next, depth);
      break;
    default:
      break;
  }
}

/** The elements of a document, walked to `offset`, end exactly at its terminating NUL (`end`). */
export function assertElementsFill(offset: number, end: number): void {
  if (offset !== end) throw invalid('elements overrun their document');
}

function validateRegexOptions(doc: Buffer, start: number, end: number): void {
  for (let i = start; i < end; i++) if (!REGEX_OPTIONS.has(doc[i]!)) throw invalid('unsupported regular expression option');
}

/** int32 total, string (the code), document (the scope), exactly filling the total. */
function validateCodeWithScope(doc: Buffer, at: number, end: number, depth: number): void {
  if (end - at < 14) throw invalid('code with scope is too short');
  const codeStart = at + 4;
  const codeLength = doc.readInt32LE(codeStart);
  const scopeStart = codeStart + 4 + codeLength;
  if (codeLength < 1 || scopeStart > end - 5 || doc[scopeStart - 1] !== 0) throw invalid('code with scope has a bad code length');
  assertUtf8(doc, codeStart + 4, scopeStart - 1);
  if (scopeStart + documentSizeAt(doc, scopeStart, end) !== end) throw invalid('code with scope lengths do not add up');
  validateDocument(doc, scopeStart, end, depth + 1);
}

/** ASCII (the usual case) is checked here; anything else by Node's UTF-8 validator. */
function assertUtf8(doc: Buffer, start: number, end: number): void {
  for (let i = start; i < end; i++) {
    if (doc[i]! >= 0x80) {
      if (!isUtf8(doc.subarray(start, end))) throw invalid('a string is not valid UTF-8');
      return;
    }
  }
}
