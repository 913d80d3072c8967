import type { Document } from 'bson';
import { encodeDocumentValue } from '../protocol/bson-codec.js';
import { encodeOpMsg } from '../protocol/op-msg.js';
import { encodeOpReply } from '../protocol/op-query.js';

let nextRequestId = 1;

/** Request ids for messages the gateway originates; wraps within int32. */
export function newRequestId(): number {
  nextRequestId = nextRequestId >= 0x7fffffff ? 1 : nextRequestId + 1;
  return nextRequestId;
}

/** How a request arrived, so its answer goes back the same way. */
export type RequestKind = 'msg' | 'query';

/** A reply document framed for the request it answers. */
export function encodeReply(kind: RequestKind, responseTo: number, document: Document): Buffer {
  const body = encodeDocumentValue(document);
  return kind === 'msg' ? encodeOpMsg({ requestId: newRequestId(), responseTo, body }) : encodeOpReply(newRequestId(), responseTo, body);
}
