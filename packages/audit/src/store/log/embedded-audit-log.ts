import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PgliteDriver } from '../pglite-driver.js';
import { insertSealedInTransaction } from '../sql-append.js';
import type { CheckpointPolicy } from '../sql-append.js';
import { auditTables, ensureSchema } from '../schema.js';
import { IndexFeeder } from './index-feeder.js';
import { SegmentLog } from './segment-log.js';

/** The embedded store's write path and the feeder that keeps its PGlite index behind it. */
export interface EmbeddedAuditLog {
  readonly log: SegmentLog;
  readonly feeder: IndexFeeder;
  /** The SQL schema the log indexes into. */
  readonly schema: string;
  /**
   * Puts the log's body into every events row of a query result that has none (the index keeps
   * bodies in the log): rows with `seq`, `hash` and a NULL `body`. A body the log no longer has
   * stays NULL (verify reports it; reads refuse it).
   */
  fillBodies(rows: readonly object[]): void;
  /** After a commit: lets the log delete the segments retention pruned (all before the prune anchor). */
  dropPruned(): Promise<void>;
}

/** Names the SQL schema the log indexes into, so a restart can recover before the first append. */
const SCHEMA_FILE = 'schema';

export function rememberedSchema(logDir: string): string | undefined {
  const path = join(logDir, SCHEMA_FILE);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

function rememberSchema(logDir: string, schema: string): void {
  if (rememberedSchema(logDir) === schema) return;
  mkdirSync(logDir, { recursive: true });
  const fd = openSync(join(logDir, SCHEMA_FILE), 'w');
  try {
    writeSync(fd, `${schema}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens the log in `logDir` against what the index (the schema's tables in PGlite) holds, and
 * feeds the index what it lacks before resolving: after a crash, nothing is read before that.
 * `policy` is asked at every feed (the signing key may arrive after the open).
 */
export async function openEmbeddedAuditLog(driver: PgliteDriver, logDir: string, schema: string, policy: () => CheckpointPolicy): Promise<EmbeddedAuditLog> {
  const tables = auditTables(schema);
  rememberSchema(logDir, schema);
  // The tables must have this version's columns before the log feeds them: the log opens with the
  // first request, which may be the store's own schema check.
  await ensureSchema(driver, tables);
  const [head] = await driver.query<{ last_seq: number | string; last_hash: string }>(`SELECT last_seq, last_hash FROM ${tables.head} WHERE id = 1`);
  if (!head) throw new Error(`audit head row missing in ${tables.head}`);
  const log = SegmentLog.open(logDir, { seq: Number(head.last_seq), hash: head.last_hash });
  const feeder = new IndexFeeder({
    source: log,
    indexedSeq: Number(head.last_seq),
    ingest: (records) => {
      // The index must never hold an event whose body the log could still lose (an unsynced write).
      log.sync();
      return driver.transaction((tx) => insertSealedInTransaction(tx, tables, records, policy(), new Date()));
    },
    // The log keeps the records (their bodies): this only spares the next open a re-feed.
    ingested: () => driver.afterCommit(),
  });
  await feeder.catchUp();
  const dropPruned = async (): Promise<void> => {
    const [anchor] = await driver.query<{ seq: number | string | null }>(`SELECT max(seq) AS seq FROM ${tables.checkpoints} WHERE reason = 'prune'`);
    if (anchor?.seq != null) log.dropThrough(Number(anchor.seq));
  };
  // A prune committed just before a crash: its segments go now.
  await dropPruned();
  return { log, feeder, schema, fillBodies: (rows) => fillBodies(log, rows), dropPruned };
}

interface BodylessRow {
  seq: number | string;
  hash: string;
  body: string | null | undefined;
}

function fillBodies(log: SegmentLog, rows: readonly object[]): void {
  const missing: BodylessRow[] = [];
  for (const row of rows) {
    const candidate = row as Partial<BodylessRow>;
    if (candidate.body === null && candidate.seq !== undefined && typeof candidate.hash === 'string') missing.push(candidate as BodylessRow);
  }
  if (missing.length === 0) return;
  const bodies = log.bodies(missing.map((row) => Number(row.seq)));
  for (const [i, row] of missing.entries()) {
    const body = bodies[i];
    if (body !== undefined) row.body = body;
  }
}
