import type { StatementOutcome } from '@gatehouse/proxy';

/**
 * Prepared-statement handles the upstream handed out for statements the gateway decided and let
 * through (sp_prepare / sp_prepexec). sp_execute runs only a handle found here, with the outcome it
 * was prepared under: a handle guessed, reused from another connection or prepared behind the
 * gateway's back cannot be executed.
 */
export class PreparedHandles {
  readonly #handles = new Map<number, StatementOutcome>();
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#handles.size;
  }

  /** Records a handle; false when the session already holds the maximum (the handle stays unusable). */
  register(handle: number, outcome: StatementOutcome): boolean {
    if (!this.#handles.has(handle) && this.#handles.size >= this.#limit) return false;
    this.#handles.set(handle, outcome);
    return true;
  }

  lookup(handle: number | undefined): StatementOutcome | undefined {
    return handle === undefined ? undefined : this.#handles.get(handle);
  }

  release(handle: number | undefined): void {
    if (handle !== undefined) this.#handles.delete(handle);
  }
}
