import { createHash } from 'node:crypto';

/** The prev hash of the very first event of a trail that was never pruned. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * SHA-256 over the previous event's hash and this event's canonical body (which carries its own
 * seq). Chaining the hash makes removal and reordering visible, not just edits.
 */
export function eventHash(prevHash: string, canonicalBody: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalBody).digest('hex');
}
