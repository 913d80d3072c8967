import type { MongoMessage } from '../protocol/message.js';
import type { OpMsg } from '../protocol/op-msg.js';
import { MsgFlag, encodeOpMsg, withFlags } from '../protocol/op-msg.js';
import { BsonType, encodeElement } from '../protocol/raw-bson.js';

/** What the gateway changes in a client's command before it goes upstream; nothing else is touched. */
export interface ForwardChanges {
  /** A new body (the command rewritten with row filters). */
  readonly body?: Buffer;
  /** New documents for some kind 1 sequences, by identifier; the others go as they came. */
  readonly sequences?: ReadonlyMap<string, readonly Buffer[]>;
  /** A W3C traceparent to add as the command's `comment` (the caller checked the client set none). */
  readonly comment?: string;
}

/**
 * The bytes to send upstream for a client's OP_MSG: the original bytes when nothing changes (zero
 * copy), else the message re-framed with the same request id, flags and checksum setting. The
 * exhaustAllowed bit is always cleared: the server then never streams replies (moreToCome) the
 * gateway would have to pace itself; drivers simply send getMore.
 */
export function forwardBytes(message: MongoMessage, msg: OpMsg, changes: ForwardChanges): Buffer {
  const flags = msg.flags & ~MsgFlag.ExhaustAllowed;
  if (changes.body === undefined && changes.sequences === undefined && changes.comment === undefined) {
    return flags !== msg.flags ? withFlags(message, flags) : message.raw;
  }
  let body = changes.body ?? msg.body;
  if (changes.comment !== undefined) body = withStringField(body, 'comment', changes.comment);
  const replaced = changes.sequences;
  const sequences = msg.sequences.map((sequence) => ({ identifier: sequence.identifier, documents: replaced?.get(sequence.identifier) ?? sequence.documents }));
  return encodeOpMsg({ requestId: message.requestId, responseTo: message.responseTo, flags, body, sequences, checksum: msg.checksumPresent });
}

/** The document with one more string field at the end (the caller knows the name is not there yet). */
export function withStringField(document: Buffer, name: string, value: string): Buffer {
  const text = Buffer.from(value, 'utf8');
  const encoded = Buffer.allocUnsafe(4 + text.length + 1);
  encoded.writeInt32LE(text.length + 1, 0);
  text.copy(encoded, 4);
  encoded[4 + text.length] = 0;
  const element = encodeElement(BsonType.String, name, encoded);
  const size = document.length + element.length;
  const out = Buffer.allocUnsafe(size);
  out.writeInt32LE(size, 0);
  document.copy(out, 4, 4, document.length - 1);
  element.copy(out, document.length - 1);
  out[size - 1] = 0;
  return out;
}
