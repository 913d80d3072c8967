import { createHmac } from 'node:crypto';

/** 16 hex characters = 64 bits: collision-free in practice for join keys, short enough for most columns. */
export const DEFAULT_HASH_LENGTH = 16;

/**
 * hash: keyed HMAC-SHA256, lower-case hex, truncated. Deterministic for a key, so joins and
 * GROUP BY on masked values still line up; without the key the value cannot be brute-forced
 * from a dictionary the way a plain hash of an email or phone number can.
 */
export function hashStrategy(key: string | Uint8Array, length: number = DEFAULT_HASH_LENGTH): (value: string) => string {
  const n = Math.max(1, Math.min(64, length));
  return (value) => createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, n);
}
