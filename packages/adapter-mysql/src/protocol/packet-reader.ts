import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { MAX_PACKET_CHUNK } from './constants.js';
import type { Packet } from './packet.js';
import { nextSequenceId } from './packet.js';

const EMPTY = Buffer.alloc(0);
const HEADER = 4;
/**
 * A physical packet that spans chunks is accumulated in a buffer of its own. Up to this size the
 * buffer is allocated at full size as soon as the header is known; above it, it grows with what has
 * actually arrived, so a peer that announces 16 MiB and trickles bytes costs what it sent.
 */
const EAGER_ALLOCATION_LIMIT = 64 * 1024;

/** The default cap on one logical payload: MySQL's own default max_allowed_packet is 64 MiB. */
export const DEFAULT_MAX_PACKET_BYTES = 64 * 1024 * 1024;

export interface PacketReaderOptions {
  /** Largest logical payload accepted (the sum of a split payload's parts); larger is a ProtocolError. */
  readonly maxPacketBytes?: number;
  /** Names the peer in error messages ('client', 'upstream'). */
  readonly peer?: string;
}

/**
 * Push-style packet reader: feed it socket chunks, get back complete logical packets. It keeps the
 * partial physical packet between chunks, joins split payloads (checking their continuation ids),
 * and turns the first error into a permanent failed state.
 *
 * `holdAfterNextPacket()` makes it stop after one packet and keep later bytes unparsed (`takeHeld()`):
 * a MySQL client sends its TLS ClientHello right behind SSLRequest, and those bytes belong to TLS.
 */
export class PacketReader {
  readonly maxPacketBytes: number;
  readonly #peer: string;
  /** The incomplete physical packet. */
  #acc: Buffer = EMPTY;
  #accLen = 0;
  /** Size of the physical packet in `#acc` (header included) once its header is known, else -1. */
  #accSize = -1;
  /** Completed physical packets of a split payload still waiting for its last part. */
  #parts: Buffer[] = [];
  #partsPayloadBytes = 0;
  #failure: unknown = undefined;
  #holdAfterNext = false;
  #holding = false;
  #held: Buffer[] = [];

  constructor(options: PacketReaderOptions = {}) {
    this.maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
    this.#peer = options.peer ?? 'peer';
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Bytes received and not yet returned as packets (partial packets and held bytes). */
  get bufferedBytes(): number {
    let held = 0;
    for (const chunk of this.#held) held += chunk.length;
    return this.#accLen + this.#parts.reduce((sum, part) => sum + part.length, 0) + held;
  }

  /** True when nothing is buffered: the next chunk starts at a packet boundary. */
  get idle(): boolean {
    return this.#accLen === 0 && this.#parts.length === 0 && this.#held.length === 0 && this.#failure === undefined;
  }

  /** After the next complete packet, stop parsing and hold every later byte for `takeHeld()`. */
  holdAfterNextPacket(): void {
    this.#holdAfterNext = true;
  }

  /** The bytes held since `holdAfterNextPacket()` took effect (and anything partial); the reader is spent. */
  takeHeld(): Buffer {
    const pending = [...this.#parts, this.#acc.subarray(0, this.#accLen), ...this.#held];
    this.#parts = [];
    this.#partsPayloadBytes = 0;
    this.#acc = EMPTY;
    this.#accLen = 0;
    this.#accSize = -1;
    this.#held = [];
    return Buffer.concat(pending);
  }

  /**
   * Feeds one chunk and returns every packet it completed, in order. Throws ProtocolError on the
   * first violation; the reader then stays failed and rethrows that error on every later call.
   */
  push(chunk: Buffer): Packet[] {
    if (this.#failure !== undefined) throw this.#failure;
    const packets: Packet[] = [];
    try {
      if (chunk.length === 0) return packets;
      if (this.#holding) {
        this.#held.push(Buffer.from(chunk));
        return packets;
      }
      let offset = 0;
      if (this.#accLen > 0) offset = this.#completePending(chunk, packets);
      this.#parse(chunk, offset, packets);
      return packets;
    } catch (error) {
      this.#failure = error;
      throw error;
    }
  }

  #parse(buf: Buffer, start: number, packets: Packet[]): void {
    let offset = start;
    while (offset < buf.length) {
      if (this.#holding) {
        this.#held.push(Buffer.from(buf.subarray(offset)));
        return;
      }
      const available = buf.length - offset;
      if (available < HEADER) {
        this.#keep(buf, offset, -1);
        return;
      }
      const size = this.#physicalSize(buf, offset);
      if (available < size) {
        this.#keep(buf, offset, size);
        return;
      }
      this.#physical(buf.subarray(offset, offset + size), packets);
      offset += size;
    }
  }

  /** Validates a physical header and returns the physical packet's size (header included). */
  #physicalSize(buf: Buffer, at: number): number {
    const length = buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16);
    const sequenceId = buf[at + 3]!;
    const total = this.#partsPayloadBytes + length;
    if (total > this.maxPacketBytes) {
      throw new ProtocolError(
        ProtocolErrorCode.PacketTooLarge,
        `${this.#peer} packet announces ${total} bytes, above the limit of ${this.maxPacketBytes} (maxPacketBytes)`,
      );
    }
    if (this.#parts.length > 0) {
      const previous = this.#parts[this.#parts.length - 1]![3]!;
      if (sequenceId !== nextSequenceId(previous)) {
        throw new ProtocolError(
          ProtocolErrorCode.SequenceMismatch,
          `${this.#peer} continued a split packet with sequence id ${sequenceId}; expected ${nextSequenceId(previous)}`,
        );
      }
    }
    return HEADER + length;
  }

  /** One complete physical packet (a view or an owned buffer): a whole packet, or a part of one. */
  #physical(bytes: Buffer, packets: Packet[]): void {
    const length = bytes.length - HEADER;
    if (length === MAX_PACKET_CHUNK) {
      this.#parts.push(bytes);
      this.#partsPayloadBytes += length;
      return;
    }
    let packet: Packet;
    if (this.#parts.length === 0) {
      packet = new SinglePacket(bytes);
    } else {
      const physical = [...this.#parts, bytes];
      const raw = Buffer.concat(physical);
      const payload = Buffer.concat(physical.map((part) => part.subarray(HEADER)));
      packet = { sequenceId: physical[0]![3]!, lastSequenceId: bytes[3]!, payload, raw };
      this.#parts = [];
      this.#partsPayloadBytes = 0;
    }
    packets.push(packet);
    if (this.#holdAfterNext) {
      this.#holdAfterNext = false;
      this.#holding = true;
    }
  }

  /** Adds the start of `chunk` to the pending physical packet; returns the offset of the first unused byte. */
  #completePending(chunk: Buffer, packets: Packet[]): number {
    let offset = 0;
    if (this.#accSize < 0) {
      const missing = HEADER - this.#accLen;
      const take = Math.min(missing, chunk.length);
      this.#append(chunk, 0, take);
      offset = take;
      if (take < missing) return offset;
      this.#accSize = this.#physicalSize(this.#acc, 0);
    }
    const take = Math.min(this.#accSize - this.#accLen, chunk.length - offset);
    this.#append(chunk, offset, offset + take);
    offset += take;
    if (this.#accLen < this.#accSize) return offset;
    const bytes = this.#acc.subarray(0, this.#accSize);
    this.#acc = EMPTY; // the packet now owns the buffer; never write into it again
    this.#accLen = 0;
    this.#accSize = -1;
    this.#physical(bytes, packets);
    return offset;
  }

  /** Starts a pending packet with the tail of `buf` (copied: the chunk is not ours to keep alive). */
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

/**
 * A logical packet carried by one physical packet (nearly all of them). The payload view is made on
 * first use: rows relayed without masking are only looked at through `raw`, and at hundreds of rows
 * per result a Buffer view per row is a measurable share of the gateway's CPU.
 */
class SinglePacket implements Packet {
  readonly raw: Buffer;
  readonly sequenceId: number;
  #payload: Buffer | undefined;

  constructor(raw: Buffer) {
    this.raw = raw;
    this.sequenceId = raw[3]!;
  }

  get lastSequenceId(): number {
    return this.sequenceId;
  }

  get payload(): Buffer {
    return (this.#payload ??= this.raw.subarray(HEADER));
  }
}
