import { PgliteDriver, PostgresDriver } from '@gatehouse/audit';
import type { PgliteDriverOptions, PostgresDriverOptions, SqlDriver } from '@gatehouse/audit';
import { SqlApprovalStore } from './sql-approval-store.js';
import type { SqlApprovalStoreOptions } from './sql-approval-store.js';

/**
 * Embedded: PostgreSQL-in-WASM on a data directory. Only one process may open a directory; the
 * gateway shares its audit trail's PGlite (openApprovalStoreOn) rather than opening a second one.
 */
export async function openEmbeddedApprovalStore(options: PgliteDriverOptions & SqlApprovalStoreOptions): Promise<SqlApprovalStore> {
  return SqlApprovalStore.open(await PgliteDriver.open(options), options);
}

/** Shared by every replica: an approval given through any of them releases a hold on any other. */
export async function openPostgresApprovalStore(options: PostgresDriverOptions & SqlApprovalStoreOptions): Promise<SqlApprovalStore> {
  return SqlApprovalStore.open(new PostgresDriver(options), options);
}

/** On a driver someone else owns (the audit trail's), which this store will not close. */
export async function openApprovalStoreOn(driver: SqlDriver, options: Omit<SqlApprovalStoreOptions, 'ownsDriver'> = {}): Promise<SqlApprovalStore> {
  return SqlApprovalStore.open(driver, { ...options, ownsDriver: false });
}
