import type { BytesMasker } from './hash.js';
import { HmacSha256 } from './hmac-sha256.js';
import { Keystream } from './keystream.js';

/** Output characters up to code 0xFF are collected as bytes and decoded once (latin1); the rest are appended. */
const NARROW_CAPACITY = 256;
/** Shared by every instance: each call fills and decodes it before returning. */
const narrow = Buffer.alloc(NARROW_CAPACITY);

/**
 * format-preserving: digits stay digits, letters stay letters (case kept), everything else is kept;
 * same length. Each position draws from an HMAC-SHA256 keystream over the whole value, so the
 * result is deterministic for a key and every output character depends on every input character.
 *
 * This is NOT a standards FPE cipher (FF1/FF3-1): it is one-way (nobody can decrypt) and its outputs
 * can collide. Use it where a realistic-looking, stable stand-in is wanted, not for tokenization.
 */
export function formatPreservingStrategy(key: string | Uint8Array): (value: string) => string {
  const keystream = new Keystream(new HmacSha256(key));
  return (value) => {
    keystream.reset(value);
    const n = value.length;
    const fast = Math.min(n, NARROW_CAPACITY);
    let i = 0;
    for (; i < fast; i++) {
      const code = substitute(value.charCodeAt(i), keystream);
      if (code > 0xff) break;
      narrow[i] = code;
    }
    let out = narrow.toString('latin1', 0, i);
    for (; i < n; i++) out += String.fromCharCode(substitute(value.charCodeAt(i), keystream));
    keystream.reset(''); // drop the reference to the raw value
    return out;
  };
}

/**
 * The same mapping on a text value's bytes, bytes out, for ASCII values (the usual case): each byte
 * is one code unit, so no decode and no string. Anything else goes through the string form.
 */
export function formatPreservingBytesStrategy(key: string | Uint8Array): BytesMasker {
  const keystream = new Keystream(new HmacSha256(key));
  return (value) => {
    const n = value.length;
    let letters = 0;
    for (let i = 0; i < n; i++) {
      const c = value[i]!;
      if (c >= 0x80) return undefined;
      if (isAsciiAlphanumeric(c)) letters++;
    }
    // Nothing to substitute: the value itself, as the string form's `out === input` check gives.
    if (letters === 0) return value;
    const out = new Uint8Array(n);
    keystream.reset(value);
    for (let i = 0; i < n; i++) out[i] = substituteAscii(value[i]!, keystream);
    keystream.reset(''); // drop the reference to the raw value
    return out;
  };
}

function isAsciiAlphanumeric(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** `substitute` for an ASCII code: ASCII in, ASCII out. */
function substituteAscii(c: number, keystream: Keystream): number {
  if (c >= 48 && c <= 57) return 48 + (keystream.next() % 10);
  if (c >= 65 && c <= 90) return 65 + (keystream.next() % 26);
  if (c >= 97 && c <= 122) return 97 + (keystream.next() % 26);
  return c;
}

/** The output code unit for one input code unit: kept, or a digit / letter of the same case drawn from the keystream. */
function substitute(c: number, keystream: Keystream): number {
  const kind = classify(c);
  if (kind === 0) return c;
  const r = keystream.next();
  if (kind === 1) return 48 + (r % 10);
  return (kind === 2 ? 65 : 97) + (r % 26);
}

/** 0 = keep, 1 = digit, 2 = upper-case letter, 3 = lower-case letter (non-ASCII letters map to ASCII). */
function classify(c: number): number {
  if (c >= 48 && c <= 57) return 1;
  if (c >= 65 && c <= 90) return 2;
  if (c >= 97 && c <= 122) return 3;
  if (c < 128 || (c >= 0xd800 && c <= 0xdfff)) return 0;
  const s = String.fromCharCode(c);
  const upper = s.toUpperCase();
  const lower = s.toLowerCase();
  if (upper === lower) return 0;
  return s === upper ? 2 : 3;
}
