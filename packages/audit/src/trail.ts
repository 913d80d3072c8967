import type { KeyObject } from 'node:crypto';
import type { AuditSink } from '@gatehouse/core';
import type { Checkpoint } from './chain/checkpoint-signer.js';
import { digestKey, touchDigest } from './digest/literal-digests.js';
import { AuditConfigError } from './errors.js';
import type { EventInput } from './events/build-events.js';
import type { AdminEvent, ApprovalEvent, AuthRefusedEvent, ReloadEvent } from './events/event-types.js';
import { AuditRecorder } from './recorder/audit-recorder.js';
import type { AuditRecorderOptions } from './recorder/audit-recorder.js';
import { JsonlSink } from './sinks/jsonl-sink.js';
import type { AuditSearchFilter, AuditSearchPage, AuditStore, PruneReport, RetentionPolicy, VerifyReport } from './store/audit-store.js';
import { openEmbeddedAuditStore, openPostgresAuditStore } from './store/open-stores.js';
import { AuditWriter } from './writer/audit-writer.js';
import type { AuditForwarder, AuditWarning, AuditWriterOptions, AuditWriterStats, Durability } from './writer/audit-writer.js';

/** "Which statements filtered on or wrote this value?" — plus any ordinary search filters. */
export type WhoTouchedQuery = Omit<AuditSearchFilter, 'digest' | 'object' | 'type'> & {
  /** Dotted object name exactly as the classifier names it: `app.public.users`. */
  readonly table: string;
  /** Omit to match the value in any column of the table. */
  readonly column?: string;
  readonly value: unknown;
};

export interface AuditTrailOptions {
  readonly store: AuditStore;
  /** HMAC key for who-touched digests (≥ 32 bytes); without it literals are dropped, not digested. */
  readonly digestKey?: Uint8Array | string;
  readonly forwarders?: readonly AuditForwarder[];
  readonly writer?: Omit<AuditWriterOptions, 'forwarders'>;
  readonly recorder?: AuditRecorderOptions;
}

/**
 * The audit library's front door for the gateway, the admin API and the CLI: a store, the
 * durability queue in front of it, the recorder that builds events, and the query side.
 */
export class AuditTrail {
  readonly store: AuditStore;
  readonly #writer: AuditWriter;
  readonly #recorder: AuditRecorder;
  readonly #digestKey: Uint8Array | string | undefined;

  constructor(options: AuditTrailOptions) {
    if (options.digestKey !== undefined) digestKey(options.digestKey);
    this.store = options.store;
    this.#digestKey = options.digestKey;
    this.#writer = new AuditWriter(options.store, { ...options.writer, forwarders: options.forwarders ?? [] });
    this.#recorder = new AuditRecorder(this.#writer, options.digestKey, options.recorder);
  }

  /**
   * True when statement literals are turned into who-touched digests (the trail has a digest key):
   * only then is it worth the gateway extracting them.
   */
  get digestsLiterals(): boolean {
    return this.#digestKey !== undefined;
  }

  /** The core AuditSink for a connection configured with this durability. */
  sink(durability: Durability): AuditSink {
    return this.#recorder.sink(durability);
  }

  authRefused(input: EventInput<AuthRefusedEvent>): Promise<void> {
    return this.#recorder.authRefused(input);
  }

  approvalChanged(input: EventInput<ApprovalEvent>): Promise<void> {
    return this.#recorder.approvalChanged(input);
  }

  reloaded(input: EventInput<ReloadEvent>): Promise<void> {
    return this.#recorder.reloaded(input);
  }

  adminAction(input: EventInput<AdminEvent>): Promise<void> {
    return this.#recorder.adminAction(input);
  }

  search(filter?: AuditSearchFilter): Promise<AuditSearchPage> {
    return this.store.search(filter);
  }

  /** Statements that compared or wrote `value` in `table(.column)`; the value is only ever hashed. */
  async whoTouched(query: WhoTouchedQuery): Promise<AuditSearchPage> {
    if (this.#digestKey === undefined) throw new AuditConfigError('who-touched needs audit.digestKey in the gateway config (the key the trail was written with)');
    const { table, column, value, ...filter } = query;
    const digest = touchDigest(this.#digestKey, table, column, value);
    if (digest === undefined) return { events: [] };
    return this.store.search({ ...filter, type: 'statement', digest });
  }

  /** Waits for queued events first, so the answer covers everything recorded so far. */
  async verify(): Promise<VerifyReport> {
    this.#recorder.flushHeld();
    await this.#writer.drain();
    return this.store.verify();
  }

  prune(policy: RetentionPolicy): Promise<PruneReport> {
    return this.store.prune(policy);
  }

  checkpoint(): Promise<Checkpoint | undefined> {
    return this.store.checkpoint();
  }

  stats(): AuditWriterStats {
    return this.#writer.stats();
  }

  /**
   * Resolves when everything recorded so far is committed (held statement records included) and
   * searchable: work the store deferred (the embedded store's indexing) is done by then too.
   */
  async drain(): Promise<void> {
    this.#recorder.flushHeld();
    await this.#writer.drain();
    await this.store.searchable?.();
  }

  /** Drains the queue, signs a final checkpoint, closes sinks and the store. */
  async close(): Promise<void> {
    this.#recorder.close();
    await this.#writer.drain();
    await this.store.checkpoint().catch(() => undefined);
    await this.#writer.close();
  }
}

/** The gateway config's `audit:` section, as the app hands it over after parsing. */
export interface AuditConfig {
  readonly store:
    | { readonly kind: 'embedded'; readonly dataDir: string; readonly fsync?: boolean }
    | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema?: string; readonly maxConnections?: number };
  readonly jsonl?: { readonly path: string } | { readonly stdout: true };
  readonly signingKey?: KeyObject | string;
  readonly verifyKeys?: readonly (KeyObject | string)[];
  readonly digestKey?: Uint8Array | string;
  readonly checkpointEveryEvents?: number;
  readonly checkpointEveryMs?: number;
  readonly queueCapacity?: number;
  readonly maxBatch?: number;
  readonly onWarning?: (warning: AuditWarning) => void;
}

export async function openAuditTrail(config: AuditConfig): Promise<AuditTrail> {
  const common = {
    ...(config.signingKey !== undefined ? { signingKey: config.signingKey } : {}),
    ...(config.verifyKeys ? { verifyKeys: config.verifyKeys } : {}),
    ...(config.checkpointEveryEvents !== undefined ? { checkpointEveryEvents: config.checkpointEveryEvents } : {}),
    ...(config.checkpointEveryMs !== undefined ? { checkpointEveryMs: config.checkpointEveryMs } : {}),
  };
  const store =
    config.store.kind === 'embedded'
      ? await openEmbeddedAuditStore({ ...common, dataDir: config.store.dataDir, ...(config.store.fsync !== undefined ? { fsync: config.store.fsync } : {}) })
      : await openPostgresAuditStore({
          ...common,
          connectionString: config.store.connectionString,
          ...(config.store.schema !== undefined ? { schema: config.store.schema } : {}),
          ...(config.store.maxConnections !== undefined ? { maxConnections: config.store.maxConnections } : {}),
        });
  const forwarders = config.jsonl ? [new JsonlSink('path' in config.jsonl ? { path: config.jsonl.path } : { stream: process.stdout })] : [];
  return new AuditTrail({
    store,
    forwarders,
    ...(config.digestKey !== undefined ? { digestKey: config.digestKey } : {}),
    writer: {
      ...(config.queueCapacity !== undefined ? { capacity: config.queueCapacity } : {}),
      ...(config.maxBatch !== undefined ? { maxBatch: config.maxBatch } : {}),
      ...(config.onWarning ? { onWarning: config.onWarning } : {}),
    },
  });
}
