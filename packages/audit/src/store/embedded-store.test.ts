import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { action, query, session } from '../test-support/fixtures.js';
import { freshDataDir } from '../test-support/pglite-template.js';
import { AuditTrail } from '../trail.js';
import { defineStoreSuite } from '../test-support/store-suite.js';
import { openEmbeddedAuditStore } from './open-stores.js';
import { PgliteDriver } from './pglite-driver.js';
import { SqlAuditStore } from './sql-audit-store.js';
import { PgliteWorkerDriver } from './worker/pglite-worker-driver.js';
import { LOG_DIRECTORY } from './log/segment-log.js';
import { tamperLogBody } from '../test-support/log-tamper.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

defineStoreSuite('embedded store (PGlite data directory)', async (options) => {
  const dataDir = await freshDataDir();
  const driver = await PgliteDriver.open({ dataDir });
  const store = await SqlAuditStore.open(driver, options);
  return {
    store,
    schema: 'gatehouse_audit',
    raw: (sql, params) => driver.query<Record<string, unknown>>(sql, params),
    // Copying the directory while the store stays open captures exactly what a kill -9 would
    // leave behind; PostgreSQL's crash recovery then runs when the copy opens.
    async openIndependent() {
      const copy = join(mkdtempSync(join(tmpdir(), 'gatehouse-audit-crash-')), 'data');
      cpSync(dataDir, copy, { recursive: true });
      return openEmbeddedAuditStore({ dataDir: copy, signingKey: options.signingKey });
    },
    diskFiles: () => filesUnder(dataDir).map((path) => readFileSync(path)),
    close: () => store.close(),
  };
});

defineStoreSuite('embedded store in a worker thread (what the gateway runs)', async (options) => {
  const dataDir = await freshDataDir();
  const driver = await PgliteWorkerDriver.open({ dataDir });
  const store = await SqlAuditStore.open(driver, options);
  return {
    store,
    schema: 'gatehouse_audit',
    raw: (sql, params) => driver.query<Record<string, unknown>>(sql, params),
    async openIndependent() {
      const copy = join(mkdtempSync(join(tmpdir(), 'gatehouse-audit-crash-')), 'data');
      cpSync(dataDir, copy, { recursive: true });
      return openEmbeddedAuditStore({ dataDir: copy, signingKey: options.signingKey });
    },
    diskFiles: () => filesUnder(dataDir).map((path) => readFileSync(path)),
    close: () => store.close(),
  };
});

describe('embedded store: segment log recovery', () => {
  it('opens over a torn last record: the record is cut, nothing before it is lost, the chain verifies and continues', async () => {
    const dataDir = await freshDataDir();
    const signingKey = generateKeyPairSync('ed25519').privateKey;
    const store = await openEmbeddedAuditStore({ dataDir, signingKey });
    const trail = new AuditTrail({ store });
    const sink = trail.sink('before-forward');
    await sink.onSessionStart(session('t1'));
    for (let i = 0; i < 20; i++) await sink.onQuery(query('t1', `torn-${i}`, [action('SELECT', 'app.public.t', 'SELECT ?')]));
    // What a kill -9 in the middle of the next write leaves: the copy's newest segment ends in half a record.
    const copy = join(mkdtempSync(join(tmpdir(), 'gatehouse-audit-torn-')), 'data');
    cpSync(dataDir, copy, { recursive: true });
    await trail.close();
    const segments = readdirSync(join(copy, LOG_DIRECTORY))
      .filter((name) => name.endsWith('.seg'))
      .sort();
    const newest = join(copy, LOG_DIRECTORY, segments.at(-1)!);
    appendFileSync(newest, Buffer.from([0, 0, 2, 0, 0x61, 0x62]));

    const reopened = await openEmbeddedAuditStore({ dataDir: copy, signingKey });
    try {
      const ids = (await reopened.read({ limit: 100 })).flatMap((event) => (event.type === 'statement' ? [event.statementId] : []));
      expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => `torn-${i}`));
      const more = new AuditTrail({ store: reopened });
      await more.sink('before-forward').onQuery(query('t1', 'after-torn', [action('SELECT', 'app.public.t', 'SELECT ?')]));
      expect(await reopened.verify()).toMatchObject({ ok: true, events: 22 });
    } finally {
      await reopened.close();
    }
  }, 60_000);
});

describe('embedded store: bodies live in the segment log, the index points at them', () => {
  const statementIds = (events: readonly { type: string }[]): string[] => events.flatMap((event) => ('statementId' in event && event.type === 'statement' ? [String(event.statementId)] : []));

  it('keeps no body in PGlite, reads them back from the log after a restart, and verify notices a log record edited on disk', async () => {
    const dataDir = await freshDataDir();
    const signingKey = generateKeyPairSync('ed25519').privateKey;
    const store = await openEmbeddedAuditStore({ dataDir, signingKey });
    const trail = new AuditTrail({ store });
    const sink = trail.sink('before-forward');
    await sink.onSessionStart(session('b1'));
    for (let i = 0; i < 5; i++) await sink.onQuery(query('b1', `body-${i}`, [action('SELECT', 'app.public.t', 'SELECT ?')]));
    await trail.close();

    const driver = await PgliteWorkerDriver.open({ dataDir });
    const reopened = await SqlAuditStore.open(driver, { signingKey });
    try {
      const [counts] = await driver.query<{ n: string | number; with_body: string | number }>('SELECT count(*) AS n, count(body) AS with_body FROM gatehouse_audit.events');
      expect([Number(counts!.n), Number(counts!.with_body)]).toEqual([6, 0]);
      expect(statementIds(await reopened.read({ limit: 100 }))).toEqual(Array.from({ length: 5 }, (_, i) => `body-${i}`));
      expect(statementIds((await reopened.search({ user: 'alice', order: 'asc' })).events)).toHaveLength(5);
      expect(await reopened.verify()).toMatchObject({ ok: true, events: 6 });
      const undo = tamperLogBody(join(dataDir, LOG_DIRECTORY), 4, '"allow"', '"ALLOW"');
      const tampered = await reopened.verify();
      undo();
      expect(tampered.first).toMatchObject({ seq: 4, kind: 'modified' });
      expect(await reopened.verify()).toMatchObject({ ok: true });
    } finally {
      await reopened.close();
    }
  }, 60_000);

  it('opens a version-2 data directory whose rows hold their bodies, and verifies old and new rows as one chain', async () => {
    const dataDir = await freshDataDir();
    const signingKey = generateKeyPairSync('ed25519').privateKey;
    // What an older gateway left: bodies in the rows, no body_bytes column, schema version 2.
    const driver = await PgliteDriver.open({ dataDir });
    const old = new AuditTrail({ store: await SqlAuditStore.open(driver, { signingKey }) });
    await old.sink('before-forward').onSessionStart(session('v2'));
    await old.sink('before-forward').onQuery(query('v2', 'old-1', [action('SELECT', 'app.public.t', 'SELECT ?')]));
    await driver.query(`ALTER TABLE gatehouse_audit.events DROP COLUMN body_bytes`);
    await driver.query(`ALTER TABLE gatehouse_audit.events ALTER COLUMN body SET NOT NULL`);
    await driver.query(`UPDATE gatehouse_audit.meta SET value = '2' WHERE key = 'schema_version'`);
    await old.close();

    const store = await openEmbeddedAuditStore({ dataDir, signingKey });
    try {
      const trail = new AuditTrail({ store });
      await trail.sink('before-forward').onQuery(query('v2', 'new-1', [action('SELECT', 'app.public.t', 'SELECT ?')]));
      expect(statementIds(await store.read({ limit: 100 }))).toEqual(['old-1', 'new-1']);
      expect(await store.verify()).toMatchObject({ ok: true, events: 3 });
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a transaction open while the first append opens the log still runs its queries (no deadlock)', async () => {
    const driver = await PgliteWorkerDriver.open({ dataDir: await freshDataDir() });
    const store = await SqlAuditStore.open(driver, {});
    const trail = new AuditTrail({ store });
    try {
      let appended: Promise<unknown> | void = undefined;
      // The approvals share the driver: their transaction holds PGlite's lock while the log opens.
      await driver.transaction(async (tx) => {
        appended = trail.sink('before-forward').onSessionStart(session('lock'));
        await new Promise((resolve) => setTimeout(resolve, 300));
        await tx.query('SELECT last_seq FROM gatehouse_audit.head WHERE id = 1');
      });
      await appended;
      expect((await store.read()).map((event) => event.type)).toEqual(['session.start']);
    } finally {
      await trail.close();
    }
  }, 30_000);
});
