import type { ObjectRef } from '@gatehouse/core';

/** What the gateway remembers about a cursor it saw opened. */
export interface CursorEntry {
  /** The principal whose command opened it. */
  readonly owner: string;
  /** `db.collection` the server reported for it. */
  readonly namespace: string;
  /** The objects of the command that opened it (getMore reads what the original command read). */
  readonly objects: readonly ObjectRef[];
  /** A change stream: batches hold change events. */
  readonly changeStream: boolean;
  /** The row limit of the command that opened it, and how many documents the client has had. */
  readonly rowLimit?: number;
  delivered?: number;
  lastUsed: number;
}

export interface CursorRegistryOptions {
  /** Entries unused for this long are forgotten (the server's own cursor timeout is 10 minutes). */
  readonly idleMs?: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/**
 * Which principal opened which server cursor. Shared by every session of a listener: drivers pool
 * connections and may send a getMore on another connection than the find, and every upstream
 * connection logs in as the same gateway user, so the server itself cannot tell principals apart.
 * A cursor id not in here (never seen, someone else's, expired) is refused.
 */
export class CursorRegistry {
  readonly #entries = new Map<string, CursorEntry>();
  readonly #idleMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: CursorRegistryOptions = {}) {
    this.#idleMs = options.idleMs ?? 30 * 60_000;
    this.#max = options.maxEntries ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  register(id: bigint, entry: Omit<CursorEntry, 'lastUsed'>): void {
    if (id === 0n) return;
    const key = id.toString();
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { ...entry, lastUsed: this.#now() });
  }

  /** The entry when `owner` opened cursor `id` and it has not expired; refreshes its age. */
  lookup(id: bigint, owner: string): CursorEntry | undefined {
    const key = id.toString();
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const now = this.#now();
    if (now - entry.lastUsed > this.#idleMs) {
      this.#entries.delete(key);
      return undefined;
    }
    if (entry.owner !== owner) return undefined;
    entry.lastUsed = now;
    // Re-insert so iteration order stays least-recently-used first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  forget(id: bigint): void {
    this.#entries.delete(id.toString());
  }
}
