import { compileObjectPattern } from './object-pattern.js';
import type { ObjectMatchMode, ObjectPattern } from './object-pattern.js';

/** Enough for every pattern of a large policy; a runaway set of patterns starts over rather than growing. */
const DEFAULT_MAX_PATTERNS = 10_000;

/**
 * Compiled patterns by source, for callers that receive patterns as text at run time (row filters
 * on a Decision): each pattern is compiled once per mode, not once per statement.
 */
export class ObjectPatternCache {
  readonly #mode: ObjectMatchMode;
  readonly #max: number;
  readonly #patterns = new Map<string, ObjectPattern>();

  constructor(mode: ObjectMatchMode, maxPatterns: number = DEFAULT_MAX_PATTERNS) {
    this.#mode = mode;
    this.#max = maxPatterns;
  }

  get(pattern: string): ObjectPattern {
    let compiled = this.#patterns.get(pattern);
    if (compiled === undefined) {
      if (this.#patterns.size >= this.#max) this.#patterns.clear();
      compiled = compileObjectPattern(pattern, this.#mode);
      this.#patterns.set(pattern, compiled);
    }
    return compiled;
  }
}
