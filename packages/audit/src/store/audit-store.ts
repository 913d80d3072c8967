import type { Category, Effect } from '@gatehouse/core';
import type { Checkpoint } from '../chain/checkpoint-signer.js';
import type { VerifyProblem } from '../chain/chain-verifier.js';
import type { AuditEvent, AuditEventType, SealedAuditEvent } from '../events/event-types.js';

/**
 * Search filters. String filters accept `*` and `?` globs (`app.public.*`); all given filters must
 * match (AND). JSON-serialisable, so the CLI and the admin API pass them through unchanged.
 */
export interface AuditSearchFilter {
  readonly user?: string;
  readonly group?: string;
  readonly connection?: string;
  readonly environment?: string;
  /** Table/collection: the dotted object name, e.g. `app.public.users` or `*.users`. */
  readonly object?: string;
  /** Statement keyword(s), case-insensitive: 'DELETE', 'DROP TABLE', 'find'. */
  readonly operation?: string;
  readonly category?: Category;
  readonly effect?: Effect;
  readonly rule?: string;
  readonly type?: AuditEventType | readonly AuditEventType[];
  readonly sessionId?: string;
  readonly statementId?: string;
  readonly approvalId?: string;
  /** A literal digest (who-touched); see whoTouched(). */
  readonly digest?: string;
  /** true: only statements that went upstream rewritten by row filters; false: only statements forwarded as sent. */
  readonly rewritten?: boolean;
  /** ISO-8601 or Date, inclusive. */
  readonly from?: string | Date;
  /** ISO-8601 or Date, exclusive. */
  readonly to?: string | Date;
  /** Newest first by default. */
  readonly order?: 'asc' | 'desc';
  /** Continue after this seq (from a previous page's `next`). */
  readonly cursor?: number;
  /** Default 100, at most 10,000. */
  readonly limit?: number;
}

export interface AuditSearchPage {
  readonly events: readonly SealedAuditEvent[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  readonly next?: number;
}

export interface AuditReadRange {
  /** Inclusive. */
  readonly fromSeq?: number;
  /** Inclusive. */
  readonly toSeq?: number;
  /** Default 1,000. */
  readonly limit?: number;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly firstSeq?: number;
  readonly lastSeq?: number;
  /** The signed prune checkpoint the remaining trail starts from, if retention pruned. */
  readonly anchorSeq?: number;
  readonly checkpoints: { readonly total: number; readonly valid: number };
  /** Sorted by seq, at most 100; `first` is the one to name. */
  readonly problems: readonly VerifyProblem[];
  readonly first?: VerifyProblem;
}

export interface RetentionPolicy {
  /** Events older than this are pruned. */
  readonly maxAgeMs?: number;
  /** Keep at most this many events. */
  readonly maxEvents?: number;
  /** Keep at most this many bytes of event bodies (stored canonical JSON). */
  readonly maxBytes?: number;
  /** For tests and for replaying a schedule. */
  readonly now?: Date;
}

export interface PruneReport {
  readonly pruned: number;
  /** The anchoring checkpoint written, when something was pruned. */
  readonly anchor?: Checkpoint;
}

export interface AppendOptions {
  /**
   * false: resolve with an empty list. For a caller with no use for the sealed copies (no
   * forwarders): building them costs a parse per event and, from a worker, a structured clone.
   * Default true.
   */
  readonly sealed?: boolean;
  /**
   * false: every event is `async`; the commit need not be synced to disk before append resolves.
   * The store then syncs at most ASYNC_SYNC_INTERVAL_MS later (with the next append that syncs, or
   * at close): a crash of the gateway loses nothing committed (the engine wrote it to the OS),
   * a power cut at most that interval of async events. Default true.
   */
  readonly sync?: boolean;
}

/** How long committed `async` events may wait for their fsync (see AppendOptions.sync). */
export const ASYNC_SYNC_INTERVAL_MS = 1_000;

/**
 * One audit trail, wherever it lives. Stores assign seq and hashes inside their append
 * transaction, so replicas sharing a trail produce one linear chain.
 */
export interface AuditStore {
  /** Seals and durably stores the events, in order; resolves after the commit. */
  append(events: readonly AuditEvent[], options?: AppendOptions): Promise<readonly SealedAuditEvent[]>;
  read(range?: AuditReadRange): Promise<readonly SealedAuditEvent[]>;
  search(filter?: AuditSearchFilter): Promise<AuditSearchPage>;
  /** Walks the whole trail and every checkpoint. */
  verify(): Promise<VerifyReport>;
  /** Deletes from the oldest end and writes a signed anchor checkpoint. */
  prune(policy: RetentionPolicy): Promise<PruneReport>;
  /** Signs a checkpoint at the current end now (e.g. at shutdown). */
  checkpoint(): Promise<Checkpoint | undefined>;
  checkpoints(): Promise<readonly Checkpoint[]>;
  /**
   * Resolves once every event appended so far is searchable. A store that indexes after the
   * commit (the embedded store feeds its index from its log, off the append path) catches up now;
   * search, read, verify, prune and checkpoint always do so first anyway. Optional: absent, a
   * committed event is searchable at once.
   */
  searchable?(): Promise<void>;
  close(): Promise<void>;
}
