import type { AuditEvent } from '../../events/event-types.js';
import type { AuditAppendSettings } from '../sql-driver.js';

/*
 * Messages between PgliteWorkerDriver (the gateway's thread) and the worker thread that owns the
 * PGlite database. Every request carries an id; the worker answers each once, in any order.
 */

export type WorkerRequest =
  | { readonly id: number; readonly op: 'query'; readonly text: string; readonly params?: readonly unknown[] }
  /** Opens a transaction that holds PGlite's lock until `end`: nothing else runs in between. */
  | { readonly id: number; readonly op: 'begin'; readonly tx: number }
  | { readonly id: number; readonly op: 'tx-query'; readonly tx: number; readonly text: string; readonly params?: readonly unknown[] }
  | { readonly id: number; readonly op: 'end'; readonly tx: number; readonly commit: boolean }
  | { readonly id: number; readonly op: 'after-commit' }
  /** A whole audit append (seal, insert, commit, fsync): answers with the sealed events (or [] when `sealed` is false). */
  | {
      readonly id: number;
      readonly op: 'append-audit';
      readonly settings: AuditAppendSettings;
      readonly events: readonly AuditEvent[];
      readonly now: Date;
      readonly sealed: boolean;
      /** false: only async events; the fsync may wait (AppendOptions.sync). */
      readonly sync: boolean;
    }
  | { readonly id: number; readonly op: 'close' };

/** An error as it crosses the thread boundary (classes do not survive structured cloning). */
export interface WorkerError {
  readonly name: string;
  readonly message: string;
  /** PostgreSQL SQLSTATE or the library's error code, when the error had one. */
  readonly code?: string;
}

export type WorkerReply = { readonly id: number; readonly value: unknown } | { readonly id: number; readonly error: WorkerError };

/** The first message from the worker: the database is open (or could not be opened). */
export type WorkerReady = { readonly ready: true } | { readonly ready: false; readonly error: WorkerError };

export function toWorkerError(error: unknown): WorkerError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}
