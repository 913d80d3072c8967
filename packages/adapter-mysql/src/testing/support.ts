// Test-only helpers (excluded from the build by tsconfig): seeded randomness and chunk feeding.
import type { Packet } from '../protocol/packet.js';
export { prng, splitAt, feed } from '@gatehouse/testkit';

/** Comparable summary of a packet: ids and exact bytes. */
export function summary(packet: Packet): string {
  return `${packet.sequenceId}-${packet.lastSequenceId}:${packet.raw.toString('hex')}|${packet.payload.toString('hex')}`;
}

