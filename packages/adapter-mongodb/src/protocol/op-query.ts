import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import type { MongoMessage } from './message.js';
import { encodeMessage } from './message.js';
import { OpCode } from './opcodes.js';
import { cstringEnd, documentSizeAt } from './raw-bson.js';

/**
 * Legacy OP_QUERY. Drivers still send their first hello/isMaster this way (against `admin.$cmd`)
 * because they do not yet know whether the server speaks OP_MSG; the gateway answers it itself.
 */
export interface OpQuery {
  readonly flags: number;
  readonly fullCollectionName: string;
  readonly numberToSkip: number;
  readonly numberToReturn: number;
  readonly query: Buffer;
  readonly returnFieldsSelector: Buffer | undefined;
}

function malformed(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.Malformed, `OP_QUERY: ${message}`);
}

export function decodeOpQuery(message: MongoMessage): OpQuery {
  if (message.opCode !== OpCode.Query) throw new ProtocolError(ProtocolErrorCode.UnexpectedMessage, `expected OP_QUERY, got opcode ${message.opCode}`);
  const buf = message.body;
  if (buf.length < 4) throw malformed('no flags');
  const flags = buf.readInt32LE(0);
  const nameEnd = cstringEnd(buf, 4, buf.length);
  const fullCollectionName = buf.toString('utf8', 4, nameEnd);
  let at = nameEnd + 1;
  if (at + 8 > buf.length) throw malformed('truncated numberToSkip/numberToReturn');
  const numberToSkip = buf.readInt32LE(at);
  const numberToReturn = buf.readInt32LE(at + 4);
  at += 8;
  const size = documentSizeAt(buf, at);
  const query = buf.subarray(at, at + size);
  at += size;
  let returnFieldsSelector: Buffer | undefined;
  if (at < buf.length) {
    const selectorSize = documentSizeAt(buf, at);
    returnFieldsSelector = buf.subarray(at, at + selectorSize);
    at += selectorSize;
  }
  if (at !== buf.length) throw malformed(`${buf.length - at} trailing byte(s)`);
  return { flags, fullCollectionName, numberToSkip, numberToReturn, query, returnFieldsSelector };
}

export function encodeOpQuery(input: { requestId: number; fullCollectionName: string; query: Buffer; flags?: number; numberToReturn?: number }): Buffer {
  const name = Buffer.from(`${input.fullCollectionName}\0`, 'utf8');
  const head = Buffer.allocUnsafe(4);
  head.writeInt32LE(input.flags ?? 0, 0);
  const counts = Buffer.allocUnsafe(8);
  counts.writeInt32LE(0, 0);
  counts.writeInt32LE(input.numberToReturn ?? -1, 4);
  return encodeMessage(OpCode.Query, input.requestId, 0, [head, name, counts, input.query]);
}

/** Legacy OP_REPLY: the answer to an OP_QUERY. */
export interface OpReply {
  readonly responseFlags: number;
  readonly cursorId: bigint;
  readonly startingFrom: number;
  readonly documents: readonly Buffer[];
}

export function decodeOpReply(message: MongoMessage): OpReply {
  if (message.opCode !== OpCode.Reply) throw new ProtocolError(ProtocolErrorCode.UnexpectedMessage, `expected OP_REPLY, got opcode ${message.opCode}`);
  const buf = message.body;
  if (buf.length < 20) throw new ProtocolError(ProtocolErrorCode.Malformed, 'OP_REPLY: truncated header fields');
  const responseFlags = buf.readInt32LE(0);
  const cursorId = buf.readBigInt64LE(4);
  const startingFrom = buf.readInt32LE(12);
  const numberReturned = buf.readInt32LE(16);
  const documents: Buffer[] = [];
  let at = 20;
  while (at < buf.length) {
    const size = documentSizeAt(buf, at);
    documents.push(buf.subarray(at, at + size));
    at += size;
  }
  if (documents.length !== numberReturned) {
    throw new ProtocolError(ProtocolErrorCode.Malformed, `OP_REPLY: numberReturned ${numberReturned} but ${documents.length} document(s)`);
  }
  return { responseFlags, cursorId, startingFrom, documents };
}

/** An OP_REPLY carrying one document (the answer to a command sent as OP_QUERY). */
export function encodeOpReply(requestId: number, responseTo: number, document: Buffer): Buffer {
  const head = Buffer.alloc(20);
  head.writeInt32LE(0, 0); // responseFlags
  head.writeBigInt64LE(0n, 4); // cursorID
  head.writeInt32LE(0, 12); // startingFrom
  head.writeInt32LE(1, 16); // numberReturned
  return encodeMessage(OpCode.Reply, requestId, responseTo, [head, document]);
}
