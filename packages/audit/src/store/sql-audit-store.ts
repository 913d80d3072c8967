import type { KeyObject } from 'node:crypto';
import type { Checkpoint, CheckpointKeyring } from '../chain/checkpoint-signer.js';
import { CheckpointSigner, keyringOf } from '../chain/checkpoint-signer.js';
import { AuditClosedError, AuditLogCorruptError } from '../errors.js';
import type { AuditEvent, SealedAuditEvent } from '../events/event-types.js';
import { ASYNC_SYNC_INTERVAL_MS } from './audit-store.js';
import type { AppendOptions, AuditReadRange, AuditSearchFilter, AuditSearchPage, AuditStore, PruneReport, RetentionPolicy, VerifyReport } from './audit-store.js';
import { appendInTransaction } from './sql-append.js';
import type { CheckpointPolicy } from './sql-append.js';
import { insertCheckpoint, readCheckpoints } from './sql-checkpoints.js';
import type { AuditAppendSettings, SqlDriver } from './sql-driver.js';
import { appendsAudit, CATCH_UP_SQL, SyncSchedule } from './sql-driver.js';
import { pruneInTransaction } from './sql-prune.js';
import { buildSearch } from './sql-search.js';
import { verifyTrail } from './sql-verify.js';
import { auditTables, ensureSchema } from './schema.js';
import type { AuditTables } from './schema.js';

/** Options shared by the embedded and the PostgreSQL store. */
export interface SqlAuditStoreOptions {
  /** SQL schema holding the trail (default `gatehouse_audit`). */
  readonly schema?: string;
  /** Ed25519 private key (PEM or KeyObject) that signs checkpoints; required for prune. */
  readonly signingKey?: KeyObject | string;
  /** Extra public keys whose checkpoints verify() accepts (other replicas, rotated keys). */
  readonly verifyKeys?: readonly (KeyObject | string)[];
  readonly checkpointEveryEvents?: number;
  readonly checkpointEveryMs?: number;
}

interface BodyRow {
  seq: number | string;
  /** NULL only when the embedded store's log lost it (the index keeps bodies there). */
  body: string | null;
  prev_hash: string;
  hash: string;
}

/** The one store implementation; only the SQL driver differs between PGlite and PostgreSQL. */
export class SqlAuditStore implements AuditStore {
  readonly #driver: SqlDriver;
  readonly #t: AuditTables;
  readonly #checkpoints: CheckpointPolicy;
  readonly #keyring: CheckpointKeyring;
  readonly #appendSettings: AuditAppendSettings;
  readonly #syncs = new SyncSchedule(ASYNC_SYNC_INTERVAL_MS);
  #closed = false;

  private constructor(driver: SqlDriver, tables: AuditTables, options: SqlAuditStoreOptions) {
    this.#driver = driver;
    this.#t = tables;
    const signer = options.signingKey !== undefined ? new CheckpointSigner(options.signingKey) : undefined;
    this.#checkpoints = {
      ...(signer ? { signer } : {}),
      everyEvents: options.checkpointEveryEvents ?? 1_000,
      everyMs: options.checkpointEveryMs ?? 60_000,
    };
    this.#keyring = keyringOf([...(signer ? [signer.publicKey] : []), ...(options.verifyKeys ?? [])]);
    this.#appendSettings = {
      schema: tables.schema,
      ...(options.signingKey !== undefined ? { signingKey: options.signingKey } : {}),
      checkpointEveryEvents: this.#checkpoints.everyEvents,
      checkpointEveryMs: this.#checkpoints.everyMs,
    };
  }

  /** Creates the schema when missing; the driver is owned (closed by close()). */
  static async open(driver: SqlDriver, options: SqlAuditStoreOptions = {}): Promise<SqlAuditStore> {
    const tables = auditTables(options.schema ?? 'gatehouse_audit');
    const store = new SqlAuditStore(driver, tables, options);
    try {
      await ensureSchema(driver, tables);
    } catch (error) {
      await driver.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  async append(events: readonly AuditEvent[], options: AppendOptions = {}): Promise<readonly SealedAuditEvent[]> {
    this.#open();
    if (events.length === 0) return [];
    const wantSealed = options.sealed ?? true;
    const sync = options.sync ?? true;
    // The driver's own write path (the embedded store's segment log), one message per batch.
    if (appendsAudit(this.#driver)) return this.#driver.appendAudit(this.#appendSettings, events, new Date(), wantSealed, sync);
    const sealed = await this.#driver.transaction((tx) => appendInTransaction(tx, this.#t, events, this.#checkpoints, new Date(), wantSealed));
    if (this.#syncs.due(sync)) {
      await this.#driver.afterCommit();
      this.#syncs.synced();
    } else this.#syncs.later(() => this.#driver.afterCommit());
    return sealed;
  }

  async read(range: AuditReadRange = {}): Promise<readonly SealedAuditEvent[]> {
    this.#open();
    await this.#caughtUp();
    const rows = await this.#driver.query<BodyRow>(
      `SELECT seq, body, prev_hash, hash FROM ${this.#t.events} WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
      [range.fromSeq ?? 0, range.toSeq ?? Number.MAX_SAFE_INTEGER, Math.max(1, Math.floor(range.limit ?? 1_000))],
    );
    return rows.map(toSealed);
  }

  async search(filter: AuditSearchFilter = {}): Promise<AuditSearchPage> {
    this.#open();
    await this.#caughtUp();
    const query = buildSearch(this.#t, filter);
    const rows = await this.#driver.query<BodyRow>(query.text, query.params);
    const events = rows.slice(0, query.limit).map(toSealed);
    return rows.length > query.limit ? { events, next: events.at(-1)!.seq } : { events };
  }

  async verify(): Promise<VerifyReport> {
    this.#open();
    await this.#caughtUp();
    // One read-only snapshot, so appends running meanwhile cannot look like a broken tail.
    return this.#driver.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return verifyTrail(tx, this.#t, this.#keyring);
    });
  }

  async prune(policy: RetentionPolicy): Promise<PruneReport> {
    this.#open();
    await this.#caughtUp();
    const report = await this.#driver.transaction((tx) => pruneInTransaction(tx, this.#t, policy, this.#checkpoints.signer));
    await this.#driver.afterCommit();
    return report;
  }

  async checkpoint(): Promise<Checkpoint | undefined> {
    this.#open();
    await this.#caughtUp();
    const signer = this.#checkpoints.signer;
    if (!signer) return undefined;
    const checkpoint = await this.#driver.transaction(async (tx) => {
      const [head] = await tx.query<{ last_seq: number | string; last_hash: string }>(`SELECT last_seq, last_hash FROM ${this.#t.head} WHERE id = 1 FOR UPDATE`);
      const seq = Number(head?.last_seq ?? 0);
      if (!head || seq === 0) return undefined;
      const now = new Date();
      const signed = signer.sign({ seq, hash: head.last_hash, at: now.toISOString(), reason: 'manual' });
      await insertCheckpoint(tx, this.#t, signed);
      await tx.query(`UPDATE ${this.#t.head} SET since_checkpoint = 0, last_checkpoint_at = $1 WHERE id = 1`, [now.toISOString()]);
      return signed;
    });
    await this.#driver.afterCommit();
    return checkpoint;
  }

  async checkpoints(): Promise<readonly Checkpoint[]> {
    this.#open();
    await this.#caughtUp();
    return readCheckpoints(this.#driver, this.#t);
  }

  async searchable(): Promise<void> {
    this.#open();
    await this.#caughtUp();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#syncs.cancel();
    await this.#driver.close();
  }

  #open(): void {
    if (this.#closed) throw new AuditClosedError();
  }

  /** A driver with its own write path (the embedded store's log) indexes later: catch up before reading. */
  async #caughtUp(): Promise<void> {
    if (appendsAudit(this.#driver)) await this.#driver.query(CATCH_UP_SQL);
  }
}

function toSealed(row: BodyRow): SealedAuditEvent {
  if (row.body === null) throw new AuditLogCorruptError(`event ${row.seq} is in the audit index but its record is missing from the audit log; run verify`);
  return { ...(JSON.parse(row.body) as AuditEvent), seq: Number(row.seq), prevHash: row.prev_hash, hash: row.hash };
}
