import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PgliteDriver } from '../pglite-driver.js';
import { insertSealedInTransaction } from '../sql-append.js';
import type { CheckpointPolicy } from '../sql-append.js';
import { auditTables } from '../schema.js';
import { IndexFeeder } from './index-feeder.js';
import { SegmentLog } from './segment-log.js';

/** The embedded store's write path and the feeder that keeps its PGlite index behind it. */
export interface EmbeddedAuditLog {
  readonly log: SegmentLog;
  readonly feeder: IndexFeeder;
  /** The SQL schema the log indexes into. */
  readonly schema: string;
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
  const [head] = await driver.query<{ last_seq: number | string; last_hash: string }>(`SELECT last_seq, last_hash FROM ${tables.head} WHERE id = 1`);
  if (!head) throw new Error(`audit head row missing in ${tables.head}`);
  const log = SegmentLog.open(logDir, { seq: Number(head.last_seq), hash: head.last_hash });
  const feeder = new IndexFeeder({
    source: log,
    indexedSeq: Number(head.last_seq),
    ingest: (records) => driver.transaction((tx) => insertSealedInTransaction(tx, tables, records, policy(), new Date())),
    ingested: async (seq) => {
      // The index's commits must be on disk before the log forgets the records.
      await driver.afterCommit();
      log.dropThrough(seq);
    },
  });
  await feeder.catchUp();
  return { log, feeder, schema };
}
