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
