import type { Category } from '@gatehouse/core';

/** What calling a function does beyond returning a value. */
export interface SideEffect {
  /** The category a statement calling it gets at least ('write' changes shared state, 'admin' controls the server). */
  readonly category: Extract<Category, 'write' | 'admin'>;
  /** Reads or writes server files or runs server programs. */
  readonly fileAccess?: boolean;
  /** Changes auditing, logging or key management. */
  readonly securitySetting?: boolean;
}

const ADMIN: SideEffect = { category: 'admin' };
const WRITE: SideEffect = { category: 'write' };
const FILE: SideEffect = { category: 'admin', fileAccess: true };
const SECURITY: SideEffect = { category: 'admin', securitySetting: true };

/**
 * MySQL/MariaDB functions that do more than compute a value, keyed by upper-case name.
 * SLEEP/BENCHMARK hold server resources (admin, not write: they change no data); the named-lock
 * functions change state other sessions see (write); LOAD_FILE reads a server file and the
 * lib_mysqludf_sys functions run programs (admin + file access); audit, keyring and firewall
 * UDFs switch security controls.
 */
export const MYSQL_SIDE_EFFECT_FUNCTIONS: ReadonlyMap<string, SideEffect> = new Map<string, SideEffect>([
  ['SLEEP', ADMIN],
  ['BENCHMARK', ADMIN],
  ['GET_LOCK', WRITE],
  ['RELEASE_LOCK', WRITE],
  ['RELEASE_ALL_LOCKS', WRITE],
  ['SERVICE_GET_READ_LOCKS', WRITE],
  ['SERVICE_GET_WRITE_LOCKS', WRITE],
  ['SERVICE_RELEASE_LOCKS', WRITE],
  ['LOAD_FILE', FILE],
  ['SYS_EXEC', FILE],
  ['SYS_EVAL', FILE],
  ['SYS_SET', ADMIN],
  ['SYS_GET', ADMIN],
  ['NEXTVAL', WRITE],
  ['SETVAL', WRITE],
  ['MASTER_POS_WAIT', ADMIN],
  ['SOURCE_POS_WAIT', ADMIN],
  ['WAIT_FOR_EXECUTED_GTID_SET', ADMIN],
  ['WAIT_UNTIL_SQL_THREAD_AFTER_GTIDS', ADMIN],
  ['VERSION_TOKENS_SET', ADMIN],
  ['VERSION_TOKENS_EDIT', ADMIN],
  ['VERSION_TOKENS_DELETE', ADMIN],
  ['VERSION_TOKENS_LOCK_SHARED', WRITE],
  ['VERSION_TOKENS_LOCK_EXCLUSIVE', WRITE],
  ['VERSION_TOKENS_UNLOCK', WRITE],
  ['GROUP_REPLICATION_SET_AS_PRIMARY', ADMIN],
  ['GROUP_REPLICATION_SWITCH_TO_SINGLE_PRIMARY_MODE', ADMIN],
  ['GROUP_REPLICATION_SWITCH_TO_MULTI_PRIMARY_MODE', ADMIN],
  ['AUDIT_LOG_FILTER_SET_FILTER', SECURITY],
  ['AUDIT_LOG_FILTER_REMOVE_FILTER', SECURITY],
  ['AUDIT_LOG_FILTER_SET_USER', SECURITY],
  ['AUDIT_LOG_FILTER_REMOVE_USER', SECURITY],
  ['AUDIT_LOG_FILTER_FLUSH', SECURITY],
  ['AUDIT_LOG_ENCRYPTION_PASSWORD_SET', SECURITY],
  ['AUDIT_LOG_READ', SECURITY],
  ['AUDIT_LOG_READ_BOOKMARK', SECURITY],
  ['KEYRING_KEY_STORE', SECURITY],
  ['KEYRING_KEY_REMOVE', SECURITY],
  ['KEYRING_KEY_GENERATE', SECURITY],
  ['KEYRING_KEY_FETCH', SECURITY],
  ['SET_FIREWALL_MODE', SECURITY],
  ['MYSQL_FIREWALL_FLUSH_STATUS', SECURITY],
]);
