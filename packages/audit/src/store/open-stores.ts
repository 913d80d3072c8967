import type { PgliteDriverOptions } from './pglite-driver.js';
import { PostgresDriver } from './postgres-driver.js';
import type { PostgresDriverOptions } from './postgres-driver.js';
import { SqlAuditStore } from './sql-audit-store.js';
import type { SqlAuditStoreOptions } from './sql-audit-store.js';
import { PgliteWorkerDriver } from './worker/pglite-worker-driver.js';

export type EmbeddedAuditStoreOptions = SqlAuditStoreOptions & PgliteDriverOptions;
export type PostgresAuditStoreOptions = SqlAuditStoreOptions & PostgresDriverOptions;

/**
 * The default store: PostgreSQL-in-WASM on a local data directory, no service to run. Only one
 * process may open a data directory at a time; replicas use openPostgresAuditStore instead.
 * The first open of an empty directory runs initdb (~10 s); later opens take ~2 s. The engine
 * runs in a worker thread (PgliteWorkerDriver).
 */
export async function openEmbeddedAuditStore(options: EmbeddedAuditStoreOptions): Promise<SqlAuditStore> {
  // In a worker thread of its own, so the engine's CPU and fsyncs stay off the gateway's thread.
  return SqlAuditStore.open(await PgliteWorkerDriver.open({ dataDir: options.dataDir, ...(options.fsync !== undefined ? { fsync: options.fsync } : {}) }), options);
}

/** A trail shared by several gateway replicas on one PostgreSQL database (same schema as embedded). */
export async function openPostgresAuditStore(options: PostgresAuditStoreOptions): Promise<SqlAuditStore> {
  return SqlAuditStore.open(new PostgresDriver(options), options);
}
