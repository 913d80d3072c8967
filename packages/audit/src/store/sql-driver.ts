import type { KeyObject } from 'node:crypto';
import type { AuditEvent, SealedAuditEvent } from '../events/event-types.js';

/** The little of a SQL client the store needs; PGlite and node-postgres both fit behind it. */
export interface SqlQueryable {
  query<R extends object>(text: string, params?: readonly unknown[]): Promise<readonly R[]>;
}

/** A transaction that can bulk-load rows given in COPY text format (sql-copy-text.ts): the embedded index. */
export interface CopyingQueryable extends SqlQueryable {
  /** `rows`: one line per row (each ending in a newline), fields in `columns` order. */
  copyFrom(table: string, columns: readonly string[], rows: string): Promise<void>;
}

export function copies(tx: SqlQueryable): tx is CopyingQueryable {
  return typeof (tx as Partial<CopyingQueryable>).copyFrom === 'function';
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
 * A driver with a write path of its own for audit events (the embedded store's segment log in a
 * worker thread): an append is one message, sealed and made durable there, and the SQL tables are
 * its search index, kept up to date before every query and transaction through this driver.
 */
export interface AuditAppendingDriver extends SqlDriver {
  /**
   * `sealed` false: resolve with []; `sync` false: the fsync may wait (see AppendOptions). `now`
   * stamps checkpoints where the driver signs them at once (it may sign later, when it indexes).
   */
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

/**
 * Sent by the store before it reads the trail: a driver that indexes later (the embedded store)
 * brings its index up to date first. Any driver can run it (it is a no-op query).
 */
export const CATCH_UP_SQL = 'SELECT 1 AS gatehouse_audit_catch_up';

export function appendsAudit(driver: SqlDriver): driver is AuditAppendingDriver {
  return typeof (driver as Partial<AuditAppendingDriver>).appendAudit === 'function';
}
