import { assertElementsFill, assertValidValue } from '../protocol/bson-validate.js';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { BsonType, cstringEnd, documentSizeAt, valueEnd } from '../protocol/raw-bson.js';
import { SHAPE_IDENTIFIER_NAMES } from './shape.js';

/**
 * Top-level values that vary per call and that neither the classifier nor the shape reads (both
 * see only their type): keeping them out of the key lets paging and retries share one entry.
 */
const TOP_LEVEL_TYPE_ONLY = namesMatcher(['limit', 'skip', 'batchSize', 'maxTimeMS', 'txnNumber', 'comment']);
const IDENTIFIER_NAMES = namesMatcher([...SHAPE_IDENTIFIER_NAMES]);

/** Longer keys (big commands, large insert batches) are not worth remembering: they are classified each time. */
const MAX_KEY_BYTES = 2_048;
const MAX_DEPTH = 32;

const scratch = Buffer.allocUnsafe(MAX_KEY_BYTES);

/**
 * A key that is equal for two command bodies exactly when they have the same shape for the
 * classifier: every element's type and name, in order, at every depth; the values the classifier
 * or the shape text may read (the command's own value, every other top-level scalar, and nested
 * strings under an identifier name such as `from` or `$out`) byte for byte; every other nested
 * value by its type alone. Literal values in filters and documents are therefore not part of it,
 * so `{find: "docs", filter: {_id: 1}}` and `{…{_id: 2}}` share a key, and a key never carries a
 * literal that a command of another shape (or principal) could see.
 *
 * The bytes are those of the body with the dropped values cut out: element type, name and NUL,
 * then the value when kept, sub-documents written the same way and closed by a NUL (no element
 * type is 0). Whether a value follows depends only on what precedes it, so the encoding is
 * unambiguous and two different shapes cannot collide. Undefined when the key would be longer
 * than MAX_KEY_BYTES or deeper than MAX_DEPTH.
 *
 * The walk checks the body as assertValidBson does (the same checks, made as each value is
 * delimited), so a command with a key needs no second pass: malformed BSON throws its
 * ProtocolError. When there is no key (undefined), the body may not have been checked to its end.
 */
export function commandShapeKey(body: Buffer): string | undefined {
  if (documentSizeAt(body, 0) !== body.length) throw new ProtocolError(ProtocolErrorCode.InvalidBson, 'invalid BSON document: document length does not match its bytes');
  const end = writeDocument(body, 0, 0, 0);
  return end < 0 ? undefined : scratch.toString('latin1', 0, end);
}

/** Writes the key of the document at `doc[at]` into `scratch[out…]`; the new end, or -1 when it does not fit. */
function writeDocument(doc: Buffer, at: number, out: number, depth: number): number {
  const limit = at + doc.readInt32LE(at) - 1;
  let offset = at + 4;
  let first = true;
  while (offset < limit) {
    const type = doc[offset]!;
    const nameEnd = cstringEnd(doc, offset + 1, limit);
    const valueStart = nameEnd + 1;
    const end = valueEnd(doc, type, valueStart, limit);
    if (out + (valueStart - offset) > MAX_KEY_BYTES) return -1;
    out = copyInto(doc, offset, valueStart, out);
    if (type === BsonType.Document || type === BsonType.Array) {
      if (depth >= MAX_DEPTH) return -1;
      out = writeDocument(doc, valueStart, out, depth + 1);
      if (out < 0) return -1;
    } else {
      assertValidValue(doc, type, valueStart, end, depth);
      if (keepsValue(doc, type, offset + 1, nameEnd, depth, first)) {
        if (out + (end - valueStart) > MAX_KEY_BYTES) return -1;
        out = copyInto(doc, valueStart, end, out);
      }
    }
    first = false;
    offset = end;
  }
  assertElementsFill(offset, limit);
  if (out >= MAX_KEY_BYTES) return -1;
  scratch[out] = 0;
  return out + 1;
}

function keepsValue(doc: Buffer, type: number, nameStart: number, nameEnd: number, depth: number, first: boolean): boolean {
  if (depth === 0) return first || !TOP_LEVEL_TYPE_ONLY(doc, nameStart, nameEnd);
  return type === BsonType.String && IDENTIFIER_NAMES(doc, nameStart, nameEnd);
}

/** Copies `doc[start..end)` to `scratch[out…]`; a loop, as the pieces (names, small values) are short. */
function copyInto(doc: Buffer, start: number, end: number, out: number): number {
  for (let i = start; i < end; i++) scratch[out++] = doc[i]!;
  return out;
}

/** Whether the bytes `doc[start..end)` spell one of `names`, compared in place (no string made). */
function namesMatcher(names: readonly string[]): (doc: Buffer, start: number, end: number) => boolean {
  const byLength = new Map<number, Buffer[]>();
  for (const name of names) {
    const bytes = Buffer.from(name, 'utf8');
    byLength.set(bytes.length, [...(byLength.get(bytes.length) ?? []), bytes]);
  }
  return (doc, start, end) => {
    const candidates = byLength.get(end - start);
    if (!candidates) return false;
    for (const candidate of candidates) {
      let i = 0;
      while (i < candidate.length && candidate[i] === doc[start + i]) i++;
      if (i === candidate.length) return true;
    }
    return false;
  };
}
