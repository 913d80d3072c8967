import { AuditConfigError } from '../errors.js';
import { GENESIS_HASH } from '../chain/event-hash.js';
import type { SqlDriver } from './sql-driver.js';

/**
 * Bumped when the DDL changes; stored in `meta` so a newer gateway can migrate an older trail.
 * 2: search terms moved from one `terms` row per (kind, term, event) into a `terms text[]` column of
 * the event row with a GIN index: an append writes one row per event instead of ~9.
 * 3: `body` may be NULL (the embedded store keeps bodies in its segment log only, read back by seq)
 * and `body_bytes` holds such a body's size for retention by bytes.
 */
export const AUDIT_SCHEMA_VERSION = 3;

/** Table names, qualified by the configured schema. */
export interface AuditTables {
  readonly schema: string;
  readonly head: string;
  readonly events: string;
  /** The version-1 terms table; only read (and dropped) by the migration. */
  readonly legacyTerms: string;
  readonly checkpoints: string;
  readonly meta: string;
}

export function auditTables(schema: string): AuditTables {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new AuditConfigError(`audit schema name '${schema}' must be a lower-case SQL identifier (letters, digits, _)`);
  }
  return {
    schema,
    head: `${schema}.head`,
    events: `${schema}.events`,
    legacyTerms: `${schema}.terms`,
    checkpoints: `${schema}.checkpoints`,
    meta: `${schema}.meta`,
  };
}

/**
 * One schema for the embedded (PGlite) and the shared (PostgreSQL) store.
 * - head: one row holding the chain's end; appends lock it FOR UPDATE, which serialises replicas.
 * - events: the canonical JSON body exactly as hashed (NULL when the embedded store's segment log
 *   holds it: then `body_bytes` is its size), plus columns extracted for search and
 *   `terms`, the multi-valued search keys (`kind:term`: groups, objects, rules, digests …) in a
 *   GIN-indexed array, so search is plain indexed SQL on both engines. GIN's pending list
 *   (fastupdate, on by default) makes an append's index work one cheap list insert per event.
 * - checkpoints: signed (seq, hash) claims.
 */
function ddl(t: AuditTables): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${t.schema}`,
    `CREATE TABLE IF NOT EXISTS ${t.meta} (key text PRIMARY KEY, value text NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${t.head} (
       id int PRIMARY KEY CHECK (id = 1),
       last_seq bigint NOT NULL,
       last_hash text NOT NULL,
       since_checkpoint int NOT NULL,
       last_checkpoint_at timestamptz NOT NULL)`,
    `INSERT INTO ${t.head} VALUES (1, 0, '${GENESIS_HASH}', 0, now()) ON CONFLICT (id) DO NOTHING`,
    `CREATE TABLE IF NOT EXISTS ${t.events} (
       seq bigint PRIMARY KEY,
       at timestamptz NOT NULL,
       type text NOT NULL,
       session_id text,
       principal_id text,
       connection text,
       environment text,
       effect text,
       body text,
       prev_hash text NOT NULL,
       hash text NOT NULL,
       terms text[] NOT NULL DEFAULT '{}',
       body_bytes int)`,
    `CREATE INDEX IF NOT EXISTS events_at ON ${t.events} (at)`,
    `CREATE INDEX IF NOT EXISTS events_principal ON ${t.events} (principal_id, seq)`,
    `CREATE INDEX IF NOT EXISTS events_session ON ${t.events} (session_id, seq)`,
    `CREATE TABLE IF NOT EXISTS ${t.checkpoints} (
       seq bigint NOT NULL,
       hash text NOT NULL,
       at timestamptz NOT NULL,
       reason text NOT NULL,
       key_id text NOT NULL,
       signature text NOT NULL,
       at_text text NOT NULL,
       PRIMARY KEY (seq, reason, key_id))`,
    `INSERT INTO ${t.meta} VALUES ('schema_version', '${AUDIT_SCHEMA_VERSION}') ON CONFLICT (key) DO NOTHING`,
  ];
}

/**
 * Version 1 → 2, in the schema transaction: the events table (created by version 1, without the
 * column) gets `terms`, filled from the old terms table, which is then dropped. Idempotent, so a
 * migration interrupted by a crash simply runs again (it is one transaction anyway).
 */
function migrateToV2(t: AuditTables): string[] {
  return [
    `ALTER TABLE ${t.events} ADD COLUMN IF NOT EXISTS terms text[] NOT NULL DEFAULT '{}'`,
    `DO $$ BEGIN
       IF to_regclass('${t.legacyTerms}') IS NOT NULL THEN
         UPDATE ${t.events} e SET terms = l.terms
           FROM (SELECT seq, array_agg(kind || ':' || term ORDER BY kind, term) AS terms FROM ${t.legacyTerms} GROUP BY seq) l
           WHERE l.seq = e.seq;
         DROP TABLE ${t.legacyTerms};
       END IF;
     END $$`,
    `UPDATE ${t.meta} SET value = '2' WHERE key = 'schema_version' AND value = '1'`,
  ];
}

/** Version 2 → 3: bodies may live in the embedded store's segment log instead of the row. */
function migrateToV3(t: AuditTables): string[] {
  return [
    `ALTER TABLE ${t.events} ALTER COLUMN body DROP NOT NULL`,
    `ALTER TABLE ${t.events} ADD COLUMN IF NOT EXISTS body_bytes int`,
    `UPDATE ${t.meta} SET value = '3' WHERE key = 'schema_version' AND value = '2'`,
  ];
}

/** After any migration: indexes on columns an older version did not have. */
function indexesOnMigratedColumns(t: AuditTables): string[] {
  return [`CREATE INDEX IF NOT EXISTS events_terms ON ${t.events} USING gin (terms)`];
}

/**
 * Creates the schema if missing. The advisory lock keeps replicas that start together from racing
 * through CREATE … IF NOT EXISTS (which is not concurrency-safe in PostgreSQL).
 */
export async function ensureSchema(driver: SqlDriver, tables: AuditTables): Promise<void> {
  await driver.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`gatehouse-audit:${tables.schema}`]);
    for (const statement of ddl(tables)) await tx.query(statement);
    const rows = await tx.query<{ value: string }>(`SELECT value FROM ${tables.meta} WHERE key = 'schema_version'`);
    const version = Number(rows[0]?.value);
    if (version > AUDIT_SCHEMA_VERSION) {
      throw new AuditConfigError(`the audit trail in schema ${tables.schema} has schema version ${version}, newer than this gateway's ${AUDIT_SCHEMA_VERSION}; upgrade the gateway`);
    }
    if (version < 2) for (const statement of migrateToV2(tables)) await tx.query(statement);
    if (version < 3) for (const statement of migrateToV3(tables)) await tx.query(statement);
    for (const statement of indexesOnMigratedColumns(tables)) await tx.query(statement);
  });
}
