import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { MAX_PACKET_CHUNK } from './constants.js';
import { nextSequenceId } from './packet.js';

const INITIAL_CAPACITY = 256;
const HEADER = 4;

/**
 * Chainable builder for one payload: `new PayloadWriter().int1(0).lenencInt(1).packet(seq)`. The
 * payload is written after a 4-byte gap so `packet()` fills the header in place when the payload
 * fits one physical packet; larger payloads are split into 16 MiB − 1 parts with consecutive ids.
 * The returned Buffer is the caller's: the writer allocates afresh on its next use.
 */
export class PayloadWriter {
  #buf: Buffer;
  #offset = HEADER;

  constructor(initialCapacity = INITIAL_CAPACITY) {
    this.#buf = Buffer.allocUnsafe(Math.max(initialCapacity, HEADER + 16));
  }

  get length(): number {
    return this.#offset - HEADER;
  }

  int1(value: number): this {
    checkInt(value, 0xff, 'int<1>');
    this.#ensure(1);
    this.#buf[this.#offset++] = value;
    return this;
  }

  int2(value: number): this {
    checkInt(value, 0xffff, 'int<2>');
    this.#ensure(2);
    this.#buf.writeUInt16LE(value, this.#offset);
    this.#offset += 2;
    return this;
  }

  int3(value: number): this {
    checkInt(value, 0xffffff, 'int<3>');
    this.#ensure(3);
    this.#buf.writeUIntLE(value, this.#offset, 3);
    this.#offset += 3;
    return this;
  }

  int4(value: number): this {
    checkInt(value, 0xffffffff, 'int<4>');
    this.#ensure(4);
    this.#buf.writeUInt32LE(value, this.#offset);
    this.#offset += 4;
    return this;
  }

  int8(value: bigint | number): this {
    this.#ensure(8);
    this.#buf.writeBigUInt64LE(BigInt(value), this.#offset);
    this.#offset += 8;
    return this;
  }

  lenencInt(value: number): this {
    checkInt(value, Number.MAX_SAFE_INTEGER, 'length-encoded integer');
    if (value < 0xfb) return this.int1(value);
    if (value <= 0xffff) return this.int1(0xfc).int2(value);
    if (value <= 0xffffff) return this.int1(0xfd).int3(value);
    return this.int1(0xfe).int8(value);
  }

  bytes(value: Uint8Array): this {
    this.#ensure(value.length);
    this.#buf.set(value, this.#offset);
    this.#offset += value.length;
    return this;
  }

  zeros(n: number): this {
    this.#ensure(n);
    this.#buf.fill(0, this.#offset, this.#offset + n);
    this.#offset += n;
    return this;
  }

  lenencBytes(value: Uint8Array): this {
    return this.lenencInt(value.length).bytes(value);
  }

  lenencString(value: string): this {
    return this.lenencBytes(Buffer.from(value, 'utf8'));
  }

  /** A NUL-terminated string; a NUL inside it is refused (it would end the field early). */
  nulString(value: string): this {
    if (value.includes('\0')) throw new ProtocolError(ProtocolErrorCode.Unencodable, `string contains a NUL: ${JSON.stringify(value.slice(0, 40))}`);
    return this.string(value).int1(0);
  }

  /** UTF-8 text with no terminator (the last field of a packet). */
  string(value: string): this {
    return this.bytes(Buffer.from(value, 'utf8'));
  }

  /** The payload alone (no header). */
  payload(): Buffer {
    const out = Buffer.from(this.#buf.subarray(HEADER, this.#offset));
    this.#reset();
    return out;
  }

  /** The payload framed as packet(s) starting at `sequenceId`. */
  packet(sequenceId: number): Buffer {
    const length = this.#offset - HEADER;
    if (length < MAX_PACKET_CHUNK) {
      const out = this.#buf.subarray(0, this.#offset);
      out.writeUIntLE(length, 0, 3);
      out[3] = sequenceId & 0xff;
      this.#reset();
      return out;
    }
    return framePayload(this.payload(), sequenceId);
  }

  #reset(): void {
    this.#buf = Buffer.allocUnsafe(INITIAL_CAPACITY);
    this.#offset = HEADER;
  }

  #ensure(n: number): void {
    if (this.#offset + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#offset + n));
    this.#buf.copy(next, 0, 0, this.#offset);
    this.#buf = next;
  }
}

/** Frames a payload as physical packets (split at 16 MiB − 1, an empty last part when it divides evenly). */
export function framePayload(payload: Uint8Array, sequenceId: number): Buffer {
  const parts: Buffer[] = [];
  let seq = sequenceId & 0xff;
  let offset = 0;
  for (;;) {
    const length = Math.min(MAX_PACKET_CHUNK, payload.length - offset);
    const header = Buffer.allocUnsafe(HEADER);
    header.writeUIntLE(length, 0, 3);
    header[3] = seq;
    parts.push(header, Buffer.from(payload.buffer, payload.byteOffset + offset, length));
    offset += length;
    seq = nextSequenceId(seq);
    if (length < MAX_PACKET_CHUNK) break;
  }
  return Buffer.concat(parts);
}

/** How many physical packets `payloadLength` bytes take. */
export function physicalPacketCount(payloadLength: number): number {
  return Math.floor(payloadLength / MAX_PACKET_CHUNK) + 1;
}

function checkInt(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new ProtocolError(ProtocolErrorCode.Unencodable, `${what} out of range: ${value}`);
  }
}
