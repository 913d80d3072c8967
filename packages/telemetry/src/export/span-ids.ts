import { randomFillSync } from 'node:crypto';

/** Random 32-bit words drawn at a time: one fill serves 1,024 span ids. */
const POOL_WORDS = 2_048;

/** Where span ids come from: 32-bit words, two per id. */
export interface SpanIdWords {
  word(): number;
}

/**
 * Span ids as two 32-bit numbers from a pool of random bytes refilled by the kernel's generator:
 * no hex string and no object per span (the SDK's generator builds a hex string per id). The hex
 * form is made only when a span's context is asked for (trace context propagation).
 */
export class SpanIdSource implements SpanIdWords {
  readonly #pool = new Uint32Array(POOL_WORDS);
  #next = POOL_WORDS;

  /** A random word; two of them make a span id (never both zero: an all-zero id is invalid). */
  word(): number {
    if (this.#next === POOL_WORDS) {
      randomFillSync(this.#pool);
      this.#next = 0;
    }
    return this.#pool[this.#next++]!;
  }
}

/** Eight bytes of a span id as the 16 hex digits of the W3C and OpenTelemetry APIs. */
export function spanIdHex(high: number, low: number): string {
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}
