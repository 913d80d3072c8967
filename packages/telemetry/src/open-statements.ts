/**
 * A session's statements decided but not completed yet, by outcome, oldest first. A client almost
 * always waits for each result before it sends the next statement, so there is one at a time: it
 * is kept in a slot, and a Map holds the others only while a client pipelines (a Map insert and
 * delete per statement cost more than the slot, and churn the Map's table).
 *
 * The slot, when taken, holds the oldest statement: it is only filled when nothing else is open.
 */
export class OpenStatements<K, V> {
  #slotKey: K | undefined;
  #slotValue: V | undefined;
  #slotTaken = false;
  readonly #others = new Map<K, V>();

  get size(): number {
    return (this.#slotTaken ? 1 : 0) + this.#others.size;
  }

  get(key: K): V | undefined {
    if (this.#slotTaken && this.#slotKey === key) return this.#slotValue;
    return this.#others.size > 0 ? this.#others.get(key) : undefined;
  }

  /** Adds, or replaces the value of an open key (it keeps its place in the order). */
  set(key: K, value: V): void {
    if (this.#slotTaken && this.#slotKey === key) {
      this.#slotValue = value;
    } else if (!this.#slotTaken && this.#others.size === 0) {
      this.#slotKey = key;
      this.#slotValue = value;
      this.#slotTaken = true;
    } else {
      this.#others.set(key, value);
    }
  }

  delete(key: K): boolean {
    if (this.#slotTaken && this.#slotKey === key) {
      this.#emptySlot();
      return true;
    }
    return this.#others.delete(key);
  }

  /** Removes and returns the oldest open value. */
  shift(): V | undefined {
    if (this.#slotTaken) {
      const value = this.#slotValue;
      this.#emptySlot();
      return value;
    }
    const oldest = this.#others.entries().next();
    if (oldest.done) return undefined;
    this.#others.delete(oldest.value[0]);
    return oldest.value[1];
  }

  /** Open values, oldest first. */
  *values(): IterableIterator<V> {
    if (this.#slotTaken) yield this.#slotValue as V;
    yield* this.#others.values();
  }

  clear(): void {
    this.#emptySlot();
    this.#others.clear();
  }

  #emptySlot(): void {
    this.#slotTaken = false;
    this.#slotKey = undefined;
    this.#slotValue = undefined;
  }
}
