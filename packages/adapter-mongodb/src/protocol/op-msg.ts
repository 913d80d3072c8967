import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { crc32c } from './crc32c.js';
import type { MongoMessage } from './message.js';
import { encodeMessage } from './message.js';
import { HEADER_BYTES, OpCode } from './opcodes.js';
import { cstringEnd, documentSizeAt } from './raw-bson.js';

/** OP_MSG flagBits. */
export const MsgFlag = {
  /** A CRC-32C of the whole message follows the last section. */
  ChecksumPresent: 1 << 0,
  /** The sender will send another message without waiting for a reply (no reply to this one). */
  MoreToCome: 1 << 1,
  /** The client accepts replies with moreToCome (exhaust cursors / streaming hello). */
  ExhaustAllowed: 1 << 16,
} as const;

/**
 * Bits 0-15 are "required": a receiver must refuse a message with a required bit it does not know.
 * Bits 16-31 are optional and may be ignored.
 */
const KNOWN_REQUIRED_BITS = MsgFlag.ChecksumPresent | MsgFlag.MoreToCome;

/** A kind 1 section: a named sequence of documents that the server splices into the body as an array. */
export interface DocumentSequence {
  readonly identifier: string;
  /** Each document's bytes (views into the message). */
  readonly documents: readonly Buffer[];
}

export interface OpMsg {
  readonly flags: number;
  /** The kind 0 section's document (a view into the message). */
  readonly body: Buffer;
  readonly sequences: readonly DocumentSequence[];
  readonly checksumPresent: boolean;
}

function malformed(message: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.Malformed, `OP_MSG: ${message}`);
}

/**
 * Decodes an OP_MSG's flags and sections, bounds-checked, verifying the checksum when present.
 * Documents are delimited, not parsed: the caller deserializes only what it needs.
 */
export function decodeOpMsg(message: MongoMessage): OpMsg {
  if (message.opCode !== OpCode.Msg) throw new ProtocolError(ProtocolErrorCode.UnexpectedMessage, `expected OP_MSG, got opcode ${message.opCode}`);
  // Sections are read from the whole message (offsets past the 16-byte header): no view of the body is made.
  const buf = message.raw;
  if (buf.length < HEADER_BYTES + 4) throw malformed('no flagBits');
  const flags = buf.readUInt32LE(HEADER_BYTES);
  const unknownRequired = flags & 0xffff & ~KNOWN_REQUIRED_BITS;
  if (unknownRequired !== 0) {
    throw new ProtocolError(ProtocolErrorCode.UnknownRequiredFlag, `OP_MSG sets required flag bits 0x${unknownRequired.toString(16)} the gateway does not know`);
  }
  const checksumPresent = (flags & MsgFlag.ChecksumPresent) !== 0;
  let end = buf.length;
  if (checksumPresent) {
    if (end < HEADER_BYTES + 8) throw malformed('checksumPresent but no room for the checksum');
    end -= 4;
    const expected = buf.readUInt32LE(end);
    const actual = crc32c(buf, 0, end);
    if (expected !== actual) {
      throw new ProtocolError(ProtocolErrorCode.BadChecksum, `OP_MSG checksum 0x${expected.toString(16)} does not match the message (0x${actual.toString(16)})`);
    }
  }
  let body: Buffer | undefined;
  const sequences: DocumentSequence[] = [];
  let at = HEADER_BYTES + 4;
  while (at < end) {
    const kind = buf[at]!;
    at += 1;
    if (kind === 0) {
      if (body !== undefined) throw malformed('more than one kind 0 (body) section');
      const size = documentSizeAt(buf, at, end);
      body = buf.subarray(at, at + size);
      at += size;
    } else if (kind === 1) {
      if (at + 4 > end) throw malformed('truncated document sequence size');
      const size = buf.readInt32LE(at);
      const sectionEnd = at + size;
      if (size < 5 || sectionEnd > end) throw malformed(`document sequence size ${size} does not fit the message`);
      const nameEnd = cstringEnd(buf, at + 4, sectionEnd);
      const identifier = buf.toString('utf8', at + 4, nameEnd);
      const documents: Buffer[] = [];
      let offset = nameEnd + 1;
      while (offset < sectionEnd) {
        const docSize = documentSizeAt(buf, offset, sectionEnd);
        documents.push(buf.subarray(offset, offset + docSize));
        offset += docSize;
      }
      sequences.push({ identifier, documents });
      at = sectionEnd;
    } else {
      throw malformed(`unknown section kind ${kind}`);
    }
  }
  if (body === undefined) throw malformed('no kind 0 (body) section');
  return { flags, body, sequences, checksumPresent };
}

export interface OpMsgInput {
  readonly requestId: number;
  readonly responseTo: number;
  readonly flags?: number;
  readonly body: Buffer;
  readonly sequences?: readonly { readonly identifier: string; readonly documents: readonly Buffer[] }[];
  /** Append a CRC-32C (sets checksumPresent). Default false. */
  readonly checksum?: boolean;
}

/** Encodes an OP_MSG; with `checksum`, the CRC-32C is computed over the finished message. */
export function encodeOpMsg(input: OpMsgInput): Buffer {
  const checksum = input.checksum ?? false;
  let flags = (input.flags ?? 0) & ~MsgFlag.ChecksumPresent;
  if (checksum) flags |= MsgFlag.ChecksumPresent;
  const head = Buffer.allocUnsafe(5);
  head.writeUInt32LE(flags >>> 0, 0);
  head[4] = 0;
  const parts: Buffer[] = [head, input.body];
  for (const sequence of input.sequences ?? []) {
    const name = Buffer.from(sequence.identifier, 'utf8');
    if (name.includes(0)) throw new ProtocolError(ProtocolErrorCode.Unencodable, 'sequence identifiers cannot contain NUL');
    let size = 4 + name.length + 1;
    for (const document of sequence.documents) size += document.length;
    const sectionHead = Buffer.allocUnsafe(1 + 4 + name.length + 1);
    sectionHead[0] = 1;
    sectionHead.writeInt32LE(size, 1);
    name.copy(sectionHead, 5);
    sectionHead[5 + name.length] = 0;
    parts.push(sectionHead, ...sequence.documents);
  }
  if (checksum) parts.push(Buffer.alloc(4));
  const out = encodeMessage(OpCode.Msg, input.requestId, input.responseTo, parts);
  if (checksum) out.writeUInt32LE(crc32c(out, 0, out.length - 4), out.length - 4);
  return out;
}

/**
 * The same message with different flag bits (e.g. exhaustAllowed cleared), checksum recomputed when
 * present. Sections are copied byte for byte.
 */
export function withFlags(message: MongoMessage, flags: number): Buffer {
  const out = Buffer.from(message.raw);
  const checksumPresent = (out.readUInt32LE(16) & MsgFlag.ChecksumPresent) !== 0;
  const next = checksumPresent ? flags | MsgFlag.ChecksumPresent : flags & ~MsgFlag.ChecksumPresent;
  out.writeUInt32LE(next >>> 0, 16);
  if (checksumPresent) out.writeUInt32LE(crc32c(out, 0, out.length - 4), out.length - 4);
  return out;
}
