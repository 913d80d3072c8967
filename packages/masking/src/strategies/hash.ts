import { hexPrefix } from './hex.js';
import { HmacSha256 } from './hmac-sha256.js';

/** 16 hex characters = 64 bits: collision-free in practice for join keys, short enough for most columns. */
export const DEFAULT_HASH_LENGTH = 16;

/**
 * hash: keyed HMAC-SHA256, lower-case hex, truncated. Deterministic for a key, so joins and
 * GROUP BY on masked values still line up; without the key the value cannot be brute-forced
 * from a dictionary the way a plain hash of an email or phone number can.
 */
export function hashStrategy(key: string | Uint8Array, length: number = DEFAULT_HASH_LENGTH): (value: string) => string {
  const n = Math.max(1, Math.min(64, length));
  const hmac = new HmacSha256(key);
  return (value) => hexPrefix(hmac.mac('', value), n);
}
