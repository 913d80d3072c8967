import type { Packet } from './packet.js';

/** How many physical packets carried `packet` (more than one only for payloads of 16 MiB − 1 or more). */
export function physicalPackets(packet: Packet): number {
  return ((packet.lastSequenceId - packet.sequenceId) & 0xff) + 1;
}

/**
 * A copy of `raw` (one or more physical packets, headers included) with every sequence id moved by
 * `shift` (mod 256). When the gateway drops or adds packets inside a response, every later packet
 * must be renumbered or the client sees ids out of order; the payload bytes are left as they came.
 */
export function resequence(raw: Buffer, shift: number): Buffer {
  const copy = Buffer.from(raw);
  let offset = 0;
  while (offset + 4 <= copy.length) {
    copy[offset + 3] = (copy[offset + 3]! + shift) & 0xff;
    offset += 4 + copy.readUIntLE(offset, 3);
  }
  return copy;
}
