import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDataDir } from '../test-support/pglite-template.js';
import { defineStoreSuite } from '../test-support/store-suite.js';
import { openEmbeddedAuditStore } from './open-stores.js';
import { PgliteDriver } from './pglite-driver.js';
import { SqlAuditStore } from './sql-audit-store.js';
import { PgliteWorkerDriver } from './worker/pglite-worker-driver.js';

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
