import { createHmac } from 'node:crypto';

/**
 * format-preserving: digits stay digits, letters stay letters (case kept), everything else is kept;
 * same length. Each position draws from an HMAC-SHA256 keystream over the whole value, so the
 * result is deterministic for a key and every output character depends on every input character.
 *
 * This is NOT a standards FPE cipher (FF1/FF3-1): it is one-way (nobody can decrypt) and its outputs
 * can collide. Use it where a realistic-looking, stable stand-in is wanted, not for tokenization.
 */
export function formatPreservingStrategy(key: string | Uint8Array): (value: string) => string {
  return (value) => {
    let stream = createHmac('sha256', key).update('0:').update(value, 'utf8').digest();
    let block = 0;
    let used = 0;
    let out = '';
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      const kind = classify(c);
      if (kind === 0) {
        out += value[i];
        continue;
      }
      if (used === stream.length) {
        block++;
        stream = createHmac('sha256', key).update(`${block}:`).update(value, 'utf8').digest();
        used = 0;
      }
      const r = stream[used++]!;
      if (kind === 1) out += String.fromCharCode(48 + (r % 10));
      else if (kind === 2) out += String.fromCharCode(65 + (r % 26));
      else out += String.fromCharCode(97 + (r % 26));
    }
    return out;
  };
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
