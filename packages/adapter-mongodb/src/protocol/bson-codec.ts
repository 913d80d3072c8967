import { deserialize, serialize } from 'bson';
import type { Document } from 'bson';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';

/**
 * BSON through the `bson` package, with the options the gateway needs everywhere:
 * - commands are read with promoteValues off for numbers (Int32/Double/Long stay typed) so a value
 *   re-serialised is bit-identical in type (a double 1.0 must not come back as int32 1);
 * - invalid UTF-8 and any other parse failure become ProtocolError(InvalidBson).
 */
export function decodeDocument(bytes: Buffer): Document {
  try {
    return deserialize(bytes, { promoteValues: false, promoteBuffers: false, bsonRegExp: true, validation: { utf8: true } });
  } catch (error) {
    throw new ProtocolError(ProtocolErrorCode.InvalidBson, `invalid BSON document: ${(error as Error).message}`, { cause: error });
  }
}

/** Convenience decoding for small documents the gateway reads itself (hello replies, auth): plain JS values. */
export function decodePlain(bytes: Buffer): Document {
  try {
    return deserialize(bytes, { promoteValues: true, promoteLongs: true, validation: { utf8: true } });
  } catch (error) {
    throw new ProtocolError(ProtocolErrorCode.InvalidBson, `invalid BSON document: ${(error as Error).message}`, { cause: error });
  }
}

export function encodeDocumentValue(document: Document): Buffer {
  return Buffer.from(serialize(document));
}
