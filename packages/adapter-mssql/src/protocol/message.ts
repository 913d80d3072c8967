import { isEndOfMessage, PacketStatus } from './packet.js';
import type { Packet } from './packet.js';

/** A whole TDS message: its packets (raw bytes kept for verbatim forwarding) and the joined payload. */
export interface Message {
  readonly type: number;
  /** Status of the first packet (ResetConnection bits live there). */
  readonly status: number;
  /** The sender set IGNORE: the message is cancelled and must be dropped (MS-TDS 2.2.3.1.2). */
  readonly ignored: boolean;
  readonly packets: readonly Packet[];
  readonly payload: Buffer;
}

/**
 * Joins packets into messages. The size cap is enforced earlier by PacketReader, from headers; this
 * only concatenates (no copy for the common one-packet message).
 */
export class MessageAssembler {
  private packets: Packet[] = [];

  /** Adds a packet; returns the message it completes, if any. */
  push(packet: Packet): Message | undefined {
    if (!isEndOfMessage(packet)) {
      this.packets.push(packet);
      return undefined;
    }
    // The usual one-packet message: an exact one-element array, the pending one left empty.
    let packets: Packet[];
    if (this.packets.length === 0) packets = [packet];
    else {
      packets = this.packets;
      packets.push(packet);
      this.packets = [];
    }
    const first = packets[0]!;
    const payload = packets.length === 1 ? first.payload : Buffer.concat(packets.map((p) => p.payload));
    return {
      type: first.type,
      status: first.status,
      ignored: (packet.status & PacketStatus.Ignore) !== 0,
      packets,
      payload,
    };
  }

  get pending(): boolean {
    return this.packets.length > 0;
  }
}

/** Convenience: pushes many packets, returns completed messages. */
export function assemble(assembler: MessageAssembler, packets: readonly Packet[]): Message[] {
  const out: Message[] = [];
  for (const packet of packets) {
    const message = assembler.push(packet);
    if (message) out.push(message);
  }
  return out;
}
