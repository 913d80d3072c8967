import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { checkHeader, describePacketType, HEADER_LENGTH, MAX_PACKET_SIZE, packetAt, PacketStatus } from './packet.js';
import type { Packet } from './packet.js';

const EMPTY = Buffer.alloc(0);

export interface PacketReaderOptions {
  /** Largest packet accepted (header included); follows packet-size negotiation via `setPacketSize`. */
  readonly maxPacketSize?: number;
  /**
   * Cap on one message (the sum of its packets' payloads). Checked from each packet's header, before
   * its body is buffered, so a peer cannot make us hold more than this plus one packet. Default 64 MiB.
   */
  readonly maxMessageBytes?: number;
  /** Packet types this direction may send; anything else is a protocol violation. */
  readonly allowedTypes?: readonly number[];
  /**
   * Types exempt from `maxMessageBytes` because the session streams them packet by packet instead of
   * assembling them (the tabular result from a server, BULK LOAD data from a client).
   */
  readonly streamedTypes?: readonly number[];
}

/**
 * Push-style TDS packet reader: feed socket chunks, get complete packets (views of the chunk when it
 * holds the whole packet; a copy only for packets split across chunks). Tracks message boundaries to
 * enforce the message cap and that all packets of a message share one type. The first violation makes
 * the reader permanently failed: a connection whose framing is broken must be closed.
 */
export class PacketReader {
  private acc: Buffer = EMPTY;
  private accLen = 0;
  private accSize = -1;
  private failure: unknown = undefined;
  private maxPacketSize: number;
  private readonly maxMessageBytes: number;
  private readonly allowed: Set<number> | undefined;
  private readonly streamed: Set<number>;
  /** Type of the message in progress (-1 between messages) and its payload bytes so far. */
  private messageType = -1;
  private messageBytes = 0;

  constructor(options: PacketReaderOptions = {}) {
    this.maxPacketSize = options.maxPacketSize ?? MAX_PACKET_SIZE + 1;
    this.maxMessageBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
    this.allowed = options.allowedTypes ? new Set(options.allowedTypes) : undefined;
    this.streamed = new Set(options.streamedTypes ?? []);
  }

  /** Applies a negotiated packet size (LOGIN7 / ENVCHANGE type 4). */
  setPacketSize(size: number): void {
    this.maxPacketSize = size;
  }

  /** Bytes of an incomplete packet held between chunks. */
  get bufferedBytes(): number {
    return this.accLen;
  }

  /** True between the first packet of a message and its EOM packet. */
  get inMessage(): boolean {
    return this.messageType >= 0;
  }

  push(chunk: Buffer): Packet[] {
    if (this.failure !== undefined) throw this.failure;
    // A read usually completes one packet: returned as a one-element array, without growing an
    // empty one (V8 reserves room for 17 on the first push, per read).
    let first: Packet | undefined;
    let more: Packet[] | undefined;
    try {
      let offset = 0;
      if (this.accLen > 0) {
        const pending = this.completePending(chunk);
        offset = pending.offset;
        first = pending.packet;
      }
      while (offset < chunk.length) {
        const available = chunk.length - offset;
        if (available < HEADER_LENGTH) {
          this.keep(chunk, offset, -1);
          break;
        }
        const size = this.sizeOf(chunk, offset);
        if (available < size) {
          this.keep(chunk, offset, size);
          break;
        }
        const packet = this.emit(chunk, offset, size);
        if (first === undefined) first = packet;
        else (more ??= [first]).push(packet);
        offset += size;
      }
      return more ?? (first === undefined ? [] : [first]);
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  /** Takes back bytes held for an incomplete packet (when the transport changes under the reader). */
  drain(): Buffer {
    const held = Buffer.from(this.acc.subarray(0, this.accLen));
    this.acc = EMPTY;
    this.accLen = 0;
    this.accSize = -1;
    return held;
  }

  private sizeOf(buf: Buffer, at: number): number {
    const length = checkHeader(buf, at, this.maxPacketSize);
    const type = buf[at]!;
    if (this.allowed && !this.allowed.has(type)) {
      throw new ProtocolError(ProtocolErrorCode.UnknownPacket, `${describePacketType(type)} packets are not allowed in this direction`);
    }
    if (this.messageType >= 0 && type !== this.messageType) {
      throw new ProtocolError(
        ProtocolErrorCode.UnknownPacket,
        `a ${describePacketType(type)} packet arrived inside an unfinished ${describePacketType(this.messageType)} message`,
      );
    }
    const status = buf[at + 1]!;
    if (this.messageType >= 0 && (status & (PacketStatus.ResetConnection | PacketStatus.ResetConnectionSkipTran)) !== 0) {
      throw new ProtocolError(ProtocolErrorCode.BadStatus, `RESETCONNECTION is only valid on the first packet of a message`);
    }
    const total = this.messageBytes + length - HEADER_LENGTH;
    if (total > this.maxMessageBytes && !this.streamed.has(type)) {
      throw new ProtocolError(
        ProtocolErrorCode.MessageTooLarge,
        `${describePacketType(type)} message reaches ${total} bytes, above the limit of ${this.maxMessageBytes} (maxMessageBytes)`,
      );
    }
    return length;
  }

  private emit(buf: Buffer, start: number, size: number): Packet {
    const packet = packetAt(buf, start, size);
    if ((packet.status & PacketStatus.EndOfMessage) !== 0) {
      this.messageType = -1;
      this.messageBytes = 0;
    } else {
      this.messageType = packet.type;
      this.messageBytes += size - HEADER_LENGTH;
    }
    return packet;
  }

  /** Feeds the held partial packet from `chunk`: how many bytes it took, and the packet if it is now whole. */
  private completePending(chunk: Buffer): { offset: number; packet: Packet | undefined } {
    let offset = 0;
    if (this.accSize < 0) {
      const take = Math.min(HEADER_LENGTH - this.accLen, chunk.length);
      this.append(chunk, 0, take);
      offset = take;
      if (this.accLen < HEADER_LENGTH) return { offset, packet: undefined };
      this.accSize = this.sizeOf(this.acc, 0);
    }
    const take = Math.min(this.accSize - this.accLen, chunk.length - offset);
    this.append(chunk, offset, offset + take);
    offset += take;
    if (this.accLen < this.accSize) return { offset, packet: undefined };
    const bytes = this.acc;
    const size = this.accSize;
    this.acc = EMPTY;
    this.accLen = 0;
    this.accSize = -1;
    return { offset, packet: this.emit(bytes, 0, size) };
  }

  private keep(buf: Buffer, offset: number, size: number): void {
    this.acc = EMPTY;
    this.accLen = 0;
    this.accSize = size;
    this.append(buf, offset, buf.length);
  }

  private append(src: Buffer, start: number, end: number): void {
    const needed = this.accLen + (end - start);
    if (needed > this.acc.length) {
      // A packet is at most 64 KiB, so allocating its announced size at once is bounded.
      const next = Buffer.allocUnsafe(Math.max(needed, this.accSize > 0 ? this.accSize : HEADER_LENGTH));
      this.acc.copy(next, 0, 0, this.accLen);
      this.acc = next;
    }
    src.copy(this.acc, this.accLen, start, end);
    this.accLen = needed;
  }
}
