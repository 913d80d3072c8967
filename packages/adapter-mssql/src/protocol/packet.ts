import { ProtocolError, ProtocolErrorCode } from '../errors.js';

/** Packet types (MS-TDS 2.2.3.1.1). */
export const PacketType = {
  SqlBatch: 0x01,
  /** Pre-TDS7 login; never valid here. */
  PreTds7Login: 0x02,
  Rpc: 0x03,
  TabularResult: 0x04,
  Attention: 0x06,
  BulkLoad: 0x07,
  FedAuthToken: 0x08,
  TransactionManager: 0x0e,
  Login7: 0x10,
  Sspi: 0x11,
  Prelogin: 0x12,
} as const;
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/** Packet header status bits (MS-TDS 2.2.3.1.2). */
export const PacketStatus = {
  /** End of message: the last packet of a message. */
  EndOfMessage: 0x01,
  /** The sender cancels the message: the receiver drops it (with EOM). */
  Ignore: 0x02,
  /** Reset the connection before running this request (first packet of SQLBatch/RPC/TM only). */
  ResetConnection: 0x08,
  /** As ResetConnection, keeping the transaction state. */
  ResetConnectionSkipTran: 0x10,
} as const;

const KNOWN_STATUS = 0x01 | 0x02 | 0x08 | 0x10;

export const HEADER_LENGTH = 8;
/** Packet size before (and unless) LOGIN7/ENVCHANGE negotiate another (MS-TDS: 4096). */
export const DEFAULT_PACKET_SIZE = 4096;
/** The largest packet size SQL Server negotiates. */
export const MAX_PACKET_SIZE = 32767;
/** The smallest packet size SQL Server accepts in LOGIN7. */
export const MIN_PACKET_SIZE = 512;

/** One TDS packet: header fields and the bytes, `raw` (header included) kept for verbatim forwarding. */
export interface Packet {
  readonly type: number;
  readonly status: number;
  /** Total length including the 8-byte header. */
  readonly length: number;
  readonly spid: number;
  readonly packetId: number;
  readonly window: number;
  readonly raw: Buffer;
  readonly payload: Buffer;
}

export function isEndOfMessage(packet: Packet): boolean {
  return (packet.status & PacketStatus.EndOfMessage) !== 0;
}

const PACKET_NAMES: Record<number, string> = {
  0x01: 'SQLBatch',
  0x02: 'pre-TDS7 Login',
  0x03: 'RPC',
  0x04: 'Tabular result',
  0x06: 'Attention',
  0x07: 'Bulk load',
  0x08: 'Federated authentication token',
  0x0e: 'Transaction manager request',
  0x10: 'LOGIN7',
  0x11: 'SSPI',
  0x12: 'PRELOGIN',
};

export function describePacketType(type: number): string {
  const name = PACKET_NAMES[type];
  return name === undefined ? `0x${type.toString(16).padStart(2, '0')}` : `${name} (0x${type.toString(16).padStart(2, '0')})`;
}

/** Validates a header's fields that do not depend on the conversation's state; returns the length. */
export function checkHeader(buf: Buffer, at: number, maxPacketSize: number): number {
  const type = buf[at]!;
  const status = buf[at + 1]!;
  const length = buf.readUInt16BE(at + 2);
  if (PACKET_NAMES[type] === undefined || type === PacketType.PreTds7Login) {
    throw new ProtocolError(ProtocolErrorCode.UnknownPacket, `unknown TDS packet type ${describePacketType(type)}`);
  }
  if ((status & ~KNOWN_STATUS) !== 0) {
    throw new ProtocolError(ProtocolErrorCode.BadStatus, `${describePacketType(type)} packet has undefined status bits 0x${status.toString(16)}`);
  }
  if (length < HEADER_LENGTH) {
    throw new ProtocolError(ProtocolErrorCode.BadLength, `${describePacketType(type)} packet has length ${length}; the header alone is 8 bytes`);
  }
  if (length > maxPacketSize) {
    throw new ProtocolError(ProtocolErrorCode.BadLength, `${describePacketType(type)} packet has length ${length}, above the packet size ${maxPacketSize}`);
  }
  return length;
}

export function packetAt(buf: Buffer, start: number, length: number): Packet {
  // A read usually holds exactly one packet: that chunk is the packet, no view is made for it.
  const whole = start === 0 && length === buf.length;
  return {
    type: buf[start]!,
    status: buf[start + 1]!,
    length,
    spid: buf.readUInt16BE(start + 4),
    packetId: buf[start + 6]!,
    window: buf[start + 7]!,
    raw: whole ? buf : buf.subarray(start, start + length),
    payload: buf.subarray(start + HEADER_LENGTH, start + length),
  };
}

export interface EncodeMessageOptions {
  /** Negotiated packet size (header included); default 4096. */
  readonly packetSize?: number;
  /** Status bits for the first packet besides EOM (ResetConnection …). */
  readonly firstStatus?: number;
  /** SPID the server reports in its packets (clients send 0). */
  readonly spid?: number;
  /** Packet id of the first packet; it increments (mod 256) per packet. Default 1. */
  readonly firstPacketId?: number;
}

/**
 * Cuts a message into packets of at most `packetSize` bytes, EOM on the last. An empty payload is
 * one header-only packet (Attention is one).
 */
export function encodeMessage(type: number, payload: Uint8Array, options: EncodeMessageOptions = {}): Buffer {
  const packetSize = options.packetSize ?? DEFAULT_PACKET_SIZE;
  if (!Number.isInteger(packetSize) || packetSize <= HEADER_LENGTH || packetSize > 0xffff) {
    throw new ProtocolError(ProtocolErrorCode.Unencodable, `packet size ${packetSize} is not usable`);
  }
  const chunk = packetSize - HEADER_LENGTH;
  const count = Math.max(1, Math.ceil(payload.length / chunk));
  const out = Buffer.allocUnsafe(payload.length + count * HEADER_LENGTH);
  let id = options.firstPacketId ?? 1;
  let src = 0;
  let dst = 0;
  for (let i = 0; i < count; i++) {
    const n = Math.min(chunk, payload.length - src);
    const last = i === count - 1;
    out[dst] = type;
    out[dst + 1] = (last ? PacketStatus.EndOfMessage : 0) | (i === 0 ? (options.firstStatus ?? 0) : 0);
    out.writeUInt16BE(n + HEADER_LENGTH, dst + 2);
    out.writeUInt16BE(options.spid ?? 0, dst + 4);
    out[dst + 6] = id & 0xff;
    out[dst + 7] = 0;
    out.set(payload.subarray(src, src + n), dst + HEADER_LENGTH);
    id++;
    src += n;
    dst += n + HEADER_LENGTH;
  }
  return out;
}
