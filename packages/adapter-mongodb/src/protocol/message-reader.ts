import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import type { MongoMessage } from './message.js';
import { messageAt } from './message.js';
import { DEFAULT_MAX_MESSAGE_BYTES, HEADER_BYTES, OpCode, describeOpCode } from './opcodes.js';

const EMPTY = Buffer.alloc(0);
/**
 * A message that spans chunks is accumulated in its own buffer. Up to this size the buffer is
 * allocated at full size once the header is known; above it, it grows with what has actually
 * arrived, so a peer that announces 48 MB and trickles bytes costs memory in proportion to what it
 * sent, not to what it claimed.
 */
const EAGER_ALLOCATION_LIMIT = 64 * 1024;

export interface MessageReaderOptions {
  /** Opcodes this side may send; anything else fails the reader from the header alone. */
  readonly accept: ReadonlySet<number>;
  /** Default 48,000,000 (the server's maxMessageSizeBytes). */
  readonly maxMessageBytes?: number;
  /** 'client' or 'upstream', for error messages. */
  readonly peer: string;
}

/** Opcodes a client may send the gateway. OP_COMPRESSED is listed so it gets its own clear error. */
export const CLIENT_OPCODES: ReadonlySet<number> = new Set([OpCode.Msg, OpCode.Query]);
/** Opcodes the upstream may send the gateway. */
export const UPSTREAM_OPCODES: ReadonlySet<number> = new Set([OpCode.Msg, OpCode.Reply]);

/**
 * Push-style framing of the 16-byte-header wire protocol: feed chunks as they arrive, get every
 * complete message back, in order. Partial messages are kept between chunks; complete ones are
 * views of the input. The first violation (length, size limit, opcode) is thrown and the reader
 * stays failed — a connection whose framing is broken must be closed.
 */
export class MessageReader {
  readonly #accept: ReadonlySet<number>;
  readonly #max: number;
  readonly #peer: string;
  #acc: Buffer = EMPTY;
  #accLen = 0;
  /** Size of the message in `acc` once its header is complete, else -1. */
  #accSize = -1;
  #failure: unknown;

  constructor(options: MessageReaderOptions) {
    this.#accept = options.accept;
    this.#max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#peer = options.peer;
  }

  /** Bytes of an incomplete message held between chunks. */
  get bufferedBytes(): number {
    return this.#accLen;
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  push(chunk: Buffer): MongoMessage[] {
    if (this.#failure !== undefined) throw this.#failure;
    const out: MongoMessage[] = [];
    try {
      let offset = this.#accLen > 0 ? this.#completePending(chunk, out) : 0;
      while (offset < chunk.length) {
        const available = chunk.length - offset;
        if (available < HEADER_BYTES) {
          this.#keep(chunk, offset, -1);
          break;
        }
        const size = this.#sizeOf(chunk, offset);
        if (available < size) {
          this.#keep(chunk, offset, size);
          break;
        }
        out.push(messageAt(chunk, offset, size));
        offset += size;
      }
      return out;
    } catch (error) {
      this.#failure = error;
      throw error;
    }
  }

  /** Validates a header and returns the message size; nothing of the body is needed. */
  #sizeOf(buf: Buffer, at: number): number {
    const length = buf.readInt32LE(at);
    const opCode = buf.readInt32LE(at + 12);
    if (length < HEADER_BYTES) {
      throw new ProtocolError(ProtocolErrorCode.BadLength, `${this.#peer} message length ${length} is below the 16-byte header`);
    }
    if (length > this.#max) {
      throw new ProtocolError(
        ProtocolErrorCode.MessageTooLarge,
        `${this.#peer} message announces ${length} bytes, above maxMessageSizeBytes ${this.#max}`,
      );
    }
    if (!this.#accept.has(opCode)) {
      const why =
        opCode === OpCode.Compressed
          ? 'compression was not negotiated (the gateway advertises no compressors)'
          : `the gateway accepts ${[...this.#accept].map(describeOpCode).join(', ')} from the ${this.#peer}`;
      throw new ProtocolError(ProtocolErrorCode.UnknownOpcode, `${this.#peer} sent ${describeOpCode(opCode)}: ${why}`);
    }
    return length;
  }

  #completePending(chunk: Buffer, out: MongoMessage[]): number {
    let offset = 0;
    if (this.#accSize < 0) {
      const take = Math.min(HEADER_BYTES - this.#accLen, chunk.length);
      this.#append(chunk, 0, take);
      offset = take;
      if (this.#accLen < HEADER_BYTES) return offset;
      this.#accSize = this.#sizeOf(this.#acc, 0);
    }
    const take = Math.min(this.#accSize - this.#accLen, chunk.length - offset);
    this.#append(chunk, offset, offset + take);
    offset += take;
    if (this.#accLen < this.#accSize) return offset;
    const bytes = this.#acc;
    const size = this.#accSize;
    this.#acc = EMPTY; // the message owns the buffer now
    this.#accLen = 0;
    this.#accSize = -1;
    out.push(messageAt(bytes, 0, size));
    return offset;
  }

  #keep(buf: Buffer, offset: number, size: number): void {
    this.#acc = EMPTY;
    this.#accLen = 0;
    this.#accSize = size;
    this.#append(buf, offset, buf.length);
  }

  #append(src: Buffer, start: number, end: number): void {
    const needed = this.#accLen + (end - start);
    if (needed > this.#acc.length) {
      let capacity: number;
      if (this.#accSize > 0 && this.#accSize <= EAGER_ALLOCATION_LIMIT) capacity = this.#accSize;
      else {
        capacity = Math.max(needed, this.#acc.length * 2, 64);
        if (this.#accSize > 0) capacity = Math.min(capacity, this.#accSize);
      }
      const next = Buffer.allocUnsafe(Math.max(capacity, needed));
      this.#acc.copy(next, 0, 0, this.#accLen);
      this.#acc = next;
    }
    src.copy(this.#acc, this.#accLen, start, end);
    this.#accLen = needed;
  }
}
