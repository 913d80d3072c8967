import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { AuditTrail } from '../trail.js';
import { action, DIGEST_KEY, query, session, signingKey } from '../test-support/fixtures.js';
import { freshDataDir } from '../test-support/pglite-template.js';
import { PgliteDriver } from './pglite-driver.js';
import { PostgresDriver } from './postgres-driver.js';
import { AUDIT_SCHEMA_VERSION } from './schema.js';
import type { SqlDriver } from './sql-driver.js';
import { SqlAuditStore } from './sql-audit-store.js';

/**
 * Turns a version-2 trail back into the version-1 layout (one terms row per search key, no terms
 * column), exactly as a gateway before the change left it on disk.
 */
async function downgradeToV1(driver: SqlDriver, schema: string): Promise<void> {
  await driver.query(`CREATE TABLE ${schema}.terms (kind text NOT NULL, term text NOT NULL, seq bigint NOT NULL, PRIMARY KEY (kind, term, seq))`);
  await driver.query(`CREATE INDEX terms_seq ON ${schema}.terms (seq)`);
  await driver.query(
    `INSERT INTO ${schema}.terms SELECT split_part(t, ':', 1), substr(t, strpos(t, ':') + 1), e.seq FROM ${schema}.events e, unnest(e.terms) AS t`,
  );
  await driver.query(`ALTER TABLE ${schema}.events DROP COLUMN terms`);
  await driver.query(`ALTER TABLE ${schema}.events DROP COLUMN body_bytes`);
  await driver.query(`ALTER TABLE ${schema}.events ALTER COLUMN body SET NOT NULL`);
  await driver.query(`UPDATE ${schema}.meta SET value = '1' WHERE key = 'schema_version'`);
}

/** Writes a small trail, downgrades it, reopens it (which migrates) and checks it still verifies and searches. */
async function migrates(open: () => Promise<SqlDriver>, schema = 'gatehouse_audit'): Promise<void> {
  const key = signingKey();
  const first = await open();
  const trail = new AuditTrail({ store: await SqlAuditStore.open(first, { signingKey: key, schema }), digestKey: DIGEST_KEY });
  const sink = trail.sink('before-forward');
  await sink.onSessionStart(session('s1', 'alice', ['dba']));
  await sink.onQuery(query('s1', 'q1', [action('SELECT', 'app.public.users', 'SELECT * FROM users WHERE id = ?')], 'allow', { literals: [{ object: 'app.public.users', column: 'id', value: 42 }] }));
  await sink.onQuery(query('s1', 'q2', [action('DELETE', 'app.public.orders', 'DELETE FROM orders', 'write')], 'deny'));
  await downgradeToV1(first, schema);
  const v1Terms = await first.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${schema}.terms`);
  expect(Number(v1Terms[0]!.n)).toBeGreaterThan(5);
  await trail.close();

  const second = await open();
  const migrated = new AuditTrail({ store: await SqlAuditStore.open(second, { signingKey: key, schema }), digestKey: DIGEST_KEY });
  try {
    const [version] = await second.query<{ value: string }>(`SELECT value FROM ${schema}.meta WHERE key = 'schema_version'`);
    expect(Number(version!.value)).toBe(AUDIT_SCHEMA_VERSION);
    const [legacy] = await second.query<{ t: string | null }>(`SELECT to_regclass('${schema}.terms')::text AS t`);
    expect(legacy!.t).toBeNull();
    expect(await migrated.verify()).toMatchObject({ ok: true, problems: [] });
    const statementIds = async (filter: Parameters<AuditTrail['search']>[0]): Promise<unknown[]> =>
      (await migrated.search({ ...filter, order: 'asc' })).events.map((event) => ('statementId' in event ? event.statementId : event.type));
    expect(await statementIds({ object: 'app.public.orders' })).toEqual(['q2']);
    expect(await statementIds({ group: 'd*', type: 'statement' })).toEqual(['q1', 'q2']);
    expect((await migrated.whoTouched({ table: 'app.public.users', column: 'id', value: 42 })).events).toHaveLength(1);
    // New events after the migration land in the same chain and index.
    await migrated.sink('before-forward').onQuery(query('s1', 'q3', [action('UPDATE', 'app.public.orders', 'UPDATE orders SET x = ?', 'write')], 'allow'));
    expect(await statementIds({ object: 'app.public.orders' })).toEqual(['q2', 'q3']);
    expect((await migrated.verify()).ok).toBe(true);
  } finally {
    await migrated.close();
  }
}

describe('audit schema migration (version 1 terms table → version 2 terms column → version 3 nullable body)', () => {
  let server: PostgresServer;

  beforeAll(async () => {
    server = await startPostgres({ tls: false });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('embedded (PGlite): the migrated trail still verifies and searches', async () => {
    const dataDir = await freshDataDir();
    await migrates(() => PgliteDriver.open({ dataDir }));
  }, 60_000);

  it('PostgreSQL: the migrated trail still verifies and searches', async () => {
    const url = server.connectionString({ sslmode: 'disable' });
    await migrates(async () => new PostgresDriver({ connectionString: url }), 'audit_migration');
  }, 60_000);
});
