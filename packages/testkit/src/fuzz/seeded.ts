// Seeded randomness and chunk splitting for codec tests: split-at-every-offset cases and fuzzing.

/** mulberry32: a tiny seeded PRNG so fuzz failures reproduce from the seed in the test name. */
export function prng(seed: number): { next(): number; int(maxExclusive: number): number; bytes(n: number): Buffer } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (maxExclusive: number): number => Math.floor(next() * maxExclusive);
  const bytes = (n: number): Buffer => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = int(256);
    return out;
  };
  return { next, int, bytes };
}

/** Splits `buf` at the given sorted offsets. */
export function splitAt(buf: Buffer, offsets: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  for (const offset of offsets) {
    chunks.push(buf.subarray(start, offset));
    start = offset;
  }
  chunks.push(buf.subarray(start));
  return chunks;
}

/** Feeds `chunks` to a push reader in order and returns every message it produced. */
export function feed<Message>(reader: { push(chunk: Buffer): Message[] }, chunks: readonly Buffer[]): Message[] {
  const messages: Message[] = [];
  for (const chunk of chunks) messages.push(...reader.push(chunk));
  return messages;
}
