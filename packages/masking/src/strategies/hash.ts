import { isUtf8 } from 'node:buffer';
import { hexPrefix, hexPrefixBytes } from './hex.js';
import { HmacSha256 } from './hmac-sha256.js';

/** 16 hex characters = 64 bits: collision-free in practice for join keys, short enough for most columns. */
export const DEFAULT_HASH_LENGTH = 16;

/** hash on a text value's bytes; undefined when the bytes must go through the string form instead. */
export type BytesMasker = (value: Uint8Array) => Uint8Array | undefined;

/**
 * hash: keyed HMAC-SHA256, lower-case hex, truncated. Deterministic for a key, so joins and
 * GROUP BY on masked values still line up; without the key the value cannot be brute-forced
 * from a dictionary the way a plain hash of an email or phone number can.
 */
export function hashStrategy(key: string | Uint8Array, length: number = DEFAULT_HASH_LENGTH): (value: string) => string {
  const n = hashLength(length);
  const hmac = new HmacSha256(key);
  return (value) => hexPrefix(hmac.mac('', value), n);
}

/**
 * The same hash on UTF-8 bytes, bytes out (ASCII hex): no decode, no string, one small buffer.
 * Invalid UTF-8 is left to the string path, whose decoding replaces bad sequences with U+FFFD.
 */
export function hashBytesStrategy(key: string | Uint8Array, length: number = DEFAULT_HASH_LENGTH): BytesMasker {
  const n = hashLength(length);
  const hmac = new HmacSha256(key);
  return (value) => (isAscii(value) || isUtf8(value) ? hexPrefixBytes(hmac.macBytes('', value), n) : undefined);
}

function hashLength(length: number): number {
  return Math.max(1, Math.min(64, length));
}

/** A plain loop beats the native isUtf8 call on the short values columns hold. */
function isAscii(value: Uint8Array): boolean {
  for (let i = 0; i < value.length; i++) if (value[i]! >= 0x80) return false;
  return true;
}
