import type { Guarded } from './literal-guard.js';
import { guardProse, guardSqlText } from './literal-guard.js';

/** Entries per memo; a full memo starts over (cheaper than LRU bookkeeping per statement). */
const MAX_ENTRIES = 4_096;
/** Longer texts are guarded every time: they rarely repeat, and the memo must stay small. */
const MAX_TEXT = 4_096;

/**
 * The guards are pure functions of their input, and a gateway sees the same fingerprints,
 * redacted texts and decision reasons over and over: each statement pays a Map lookup instead of
 * a character-by-character scan. (Tokens are not memoised: one regex test, and statement ids
 * never repeat, so they would only churn the memo.)
 */
class GuardMemo {
  readonly #entries = new Map<string, Guarded>();
  readonly #guard: (text: string, dialect?: string) => Guarded;

  constructor(guard: (text: string, dialect?: string) => Guarded) {
    this.#guard = guard;
  }

  get(text: string, dialect?: string): Guarded {
    if (text.length > MAX_TEXT) return this.#guard(text, dialect);
    const key = dialect === undefined ? text : `${dialect}\0${text}`;
    let guarded = this.#entries.get(key);
    if (guarded === undefined) {
      guarded = this.#guard(text, dialect);
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(key, guarded);
    }
    return guarded;
  }
}

const sqlMemo = new GuardMemo(guardSqlText);
const proseMemo = new GuardMemo((text) => guardProse(text));

export function memoGuardSqlText(text: string, dialect: string): Guarded {
  return sqlMemo.get(text, dialect);
}

export function memoGuardProse(text: string): Guarded {
  return proseMemo.get(text);
}
