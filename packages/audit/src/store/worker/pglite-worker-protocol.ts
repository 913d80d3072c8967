import type { AuditAppendSettings } from '../sql-driver.js';
import type { WireEvents } from './shared-parts.js';

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
  /** A whole audit append (encode, seal, write to the log, fsync when due). */
  | {
      readonly id: number;
      readonly op: 'append-audit';
      /** The events, their shared parts sent once (shared-parts.ts). */
      readonly wire: WireEvents;
      /** Sent with the first append and when they change; the worker keeps the last ones. */
      readonly settings?: AuditAppendSettings;
      /** true: answers with an AppendReceipt carrying every event's body and hash (the caller rebuilds the sealed events); false: with nothing. */
      readonly sealed: boolean;
      /** false: only async events; the fsync may wait (AppendOptions.sync). */
      readonly sync: boolean;
    }
  | { readonly id: number; readonly op: 'close' };

/** Where a sealed append landed in the chain, with what it wrote per event. */
export interface AppendReceipt {
  readonly firstSeq: number;
  readonly prevHash: string;
  readonly hashes: readonly string[];
  readonly bodies: readonly string[];
}

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
