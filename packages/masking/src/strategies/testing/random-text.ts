/** Seeded generator for equivalence tests: the same seed gives the same cases on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Code units that stress UTF-8 encoding and case classification: 2-, 3- and 4-byte characters, lone surrogates. */
const UNUSUAL = ['é', 'ß', 'Ж', 'ж', 'İ', 'ǅ', 'Ω', '中', '€', '\u00a0', '😀', '𝔘', '\ud800', '\udfff', '\u0000'];

/** Mostly ASCII, sometimes non-ASCII; `length` is in UTF-16 code units (a pair may be cut: a lone surrogate). */
export function randomText(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) {
    out += random() < 0.85 ? String.fromCharCode(32 + Math.floor(random() * 95)) : UNUSUAL[Math.floor(random() * UNUSUAL.length)]!;
  }
  return out.slice(0, length);
}

/** Lengths around SHA-256 block edges (55/56 bytes fit one block or not) and the pure-JS limit (256 bytes). */
export const EDGE_LENGTHS = [0, 1, 2, 31, 32, 33, 53, 54, 55, 56, 57, 63, 64, 65, 118, 119, 120, 127, 128, 183, 184, 250, 254, 255, 256, 257, 300, 1000, 5000];

export function randomBytes(random: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}
