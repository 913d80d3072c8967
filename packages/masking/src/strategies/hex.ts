const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
/** ASCII codes of '0'–'9', 'a'–'f'. */
const HEX_CODE = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** The first `length` (1–64) lower-case hex characters of 8 big-endian words: what `digest('hex').slice(0, length)` gives. */
export function hexPrefix(words: Uint32Array, length: number): string {
  let out = '';
  const bytes = (length + 1) >>> 1;
  for (let i = 0; i < bytes; i++) out += HEX_BYTE[(words[i >>> 2]! >>> (24 - 8 * (i & 3))) & 0xff];
  return out.length === length ? out : out.slice(0, length);
}

/** The same characters as `hexPrefix`, as ASCII bytes in a new buffer: no string in between. */
export function hexPrefixBytes(words: Uint32Array, length: number): Uint8Array {
  // A plain Uint8Array this small lives on V8's heap: cheaper to make than a Buffer from the pool.
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = HEX_CODE[(words[i >>> 3]! >>> (28 - 4 * (i & 7))) & 0xf]!;
  return out;
}
