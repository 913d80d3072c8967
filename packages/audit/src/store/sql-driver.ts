import type { KeyObject } from 'node:crypto';
import type { AuditEvent, SealedAuditEvent } from '../events/event-types.js';

/** The little of a SQL client the store needs; PGlite and node-postgres both fit behind it. */
export interface SqlQueryable {
  query<R extends object>(text: string, params?: readonly unknown[]): Promise<readonly R[]>;
}

export interface SqlDriver extends SqlQueryable {
  /** Runs `fn` in one transaction: commit when it resolves, rollback when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /**
   * Called after every committed append, before append resolves: where the engine's own commit is
   * not enough for durability (PGlite's WASM filesystem does not fsync), the driver makes it so.
   */
  afterCommit(): Promise<void>;
  close(): Promise<void>;
}

/** Everything an append needs besides the events, in a form that can cross to a worker thread. */
export interface AuditAppendSettings {
  /** The trail's SQL schema (`gatehouse_audit`). */
  readonly schema: string;
  /** Ed25519 private key that signs interval checkpoints, if any. */
  readonly signingKey?: KeyObject | string;
  readonly checkpointEveryEvents: number;
  readonly checkpointEveryMs: number;
}

/**
 * A driver whose database lives elsewhere (a worker thread) can run a whole append there, in one
 * message: seal, insert, commit and fsync without a round trip per statement, and the sealing
 * (canonical JSON, hashes) off the caller's thread.
 */
export interface AuditAppendingDriver extends SqlDriver {
  /** `sealed` false: resolve with []; `sync` false: the fsync may wait (see AppendOptions). */
  appendAudit(settings: AuditAppendSettings, events: readonly AuditEvent[], now: Date, sealed: boolean, sync: boolean): Promise<readonly SealedAuditEvent[]>;
}

/**
 * Decides when an append syncs: always when asked to, else once the async interval has passed; and
 * makes sure an append left unsynced is synced within the interval even when no other append
 * follows (a burst, then silence, must not stay unsynced until shutdown).
 */
export class SyncSchedule {
  readonly #intervalMs: number;
  #lastSync = Date.now();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  due(sync: boolean): boolean {
    return sync || Date.now() - this.#lastSync >= this.#intervalMs;
  }

  synced(): void {
    this.#lastSync = Date.now();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** An append was committed without a sync: run `sync` once the interval since the last one has passed. */
  later(sync: () => Promise<void>): void {
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, this.#intervalMs - (Date.now() - this.#lastSync));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // A failed background sync is retried by the next append's; the store's own errors surface there.
      sync().then(
        () => this.synced(),
        () => undefined,
      );
    }, wait);
    this.#timer.unref?.();
  }

  /** Closing: the caller syncs for the last time itself. */
  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

export function appendsAudit(driver: SqlDriver): driver is AuditAppendingDriver {
  return typeof (driver as Partial<AuditAppendingDriver>).appendAudit === 'function';
}
