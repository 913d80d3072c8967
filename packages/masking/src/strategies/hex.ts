const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** The first `length` (1–64) lower-case hex characters of 8 big-endian words: what `digest('hex').slice(0, length)` gives. */
export function hexPrefix(words: Uint32Array, length: number): string {
  let out = '';
  const bytes = (length + 1) >>> 1;
  for (let i = 0; i < bytes; i++) out += HEX_BYTE[(words[i >>> 2]! >>> (24 - 8 * (i & 3))) & 0xff];
  return out.length === length ? out : out.slice(0, length);
}
