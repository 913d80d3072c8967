/** What calling a function does beyond computing a value. */
export interface SideEffect {
  /** The category a read that calls it becomes. */
  readonly category: 'write' | 'admin';
  /** Reads or writes server files, or runs server programs. */
  readonly fileAccess?: boolean;
  /** Can turn logging, auditing or encryption switches. */
  readonly securitySetting?: boolean;
  /** Can change the role the session acts as. */
  readonly privilegeSwitch?: boolean;
  /** Runs SQL text or reads a relation named by a string: what it touches is not visible. */
  readonly dynamic?: boolean;
  /** Applies only when called with this many arguments (other overloads compute a value). */
  readonly arity?: number;
}

const WRITE: SideEffect = { category: 'write' };
const ADMIN: SideEffect = { category: 'admin' };
const ADMIN_FILE: SideEffect = { category: 'admin', fileAccess: true };
const WRITE_FILE: SideEffect = { category: 'write', fileAccess: true };
const DYNAMIC_WRITE: SideEffect = { category: 'write', dynamic: true };

/**
 * PostgreSQL functions that write, take locks, run SQL text, touch server files or control the
 * server. Keys are lower case and unqualified: `pg_catalog.pg_read_file` and an extension's
 * `dblink` in any schema match on the last name part (a user function that shadows one of these
 * names is flagged too — over-flagging beats a silent read).
 */
export const POSTGRES_SIDE_EFFECT_FUNCTIONS: ReadonlyMap<string, SideEffect> = new Map<string, SideEffect>([
  // Server control
  ['pg_terminate_backend', ADMIN],
  ['pg_cancel_backend', ADMIN],
  ['pg_reload_conf', ADMIN],
  ['pg_rotate_logfile', ADMIN],
  ['pg_switch_wal', ADMIN],
  ['pg_create_restore_point', ADMIN],
  ['pg_promote', ADMIN],
  ['pg_backup_start', ADMIN],
  ['pg_backup_stop', ADMIN],
  ['pg_start_backup', ADMIN],
  ['pg_stop_backup', ADMIN],
  ['pg_log_backend_memory_contexts', ADMIN],
  ['pg_stat_reset', ADMIN],
  ['pg_stat_reset_shared', ADMIN],
  ['pg_stat_reset_single_table_counters', ADMIN],
  ['pg_create_physical_replication_slot', ADMIN],
  ['pg_create_logical_replication_slot', ADMIN],
  ['pg_drop_replication_slot', ADMIN],
  ['pg_replication_origin_create', ADMIN],
  ['pg_replication_origin_drop', ADMIN],
  ['pg_import_system_collations', ADMIN],
  // Server files
  ['pg_read_file', ADMIN_FILE],
  ['pg_read_binary_file', ADMIN_FILE],
  ['pg_ls_dir', ADMIN_FILE],
  ['pg_stat_file', ADMIN_FILE],
  ['pg_ls_logdir', ADMIN_FILE],
  ['pg_ls_waldir', ADMIN_FILE],
  ['pg_ls_tmpdir', ADMIN_FILE],
  ['pg_ls_archive_statusdir', ADMIN_FILE],
  ['pg_file_write', ADMIN_FILE],
  ['pg_file_rename', ADMIN_FILE],
  ['pg_file_unlink', ADMIN_FILE],
  ['pg_logdir_ls', ADMIN_FILE],
  ['lo_import', WRITE_FILE],
  ['lo_export', ADMIN_FILE],
  // Large objects
  ['lo_unlink', WRITE],
  ['lo_create', WRITE],
  ['lo_creat', WRITE],
  ['lo_from_bytea', WRITE],
  ['lo_put', WRITE],
  ['lowrite', WRITE],
  ['lo_truncate', WRITE],
  // set_config(name, …) can set log_statement, pgaudit.* or role. The setting name is a literal,
  // and the shared classifier caches by fingerprint (literals replaced), so the classification
  // must hold for every name: the worst case.
  ['set_config', { category: 'admin', securitySetting: true, privilegeSwitch: true }],
  // Sequences and transaction ids write state
  ['nextval', WRITE],
  ['setval', WRITE],
  ['txid_current', WRITE],
  ['pg_current_xact_id', WRITE],
  // Locks
  ['pg_advisory_lock', WRITE],
  ['pg_advisory_lock_shared', WRITE],
  ['pg_advisory_xact_lock', WRITE],
  ['pg_advisory_xact_lock_shared', WRITE],
  ['pg_try_advisory_lock', WRITE],
  ['pg_try_advisory_lock_shared', WRITE],
  ['pg_try_advisory_xact_lock', WRITE],
  ['pg_try_advisory_xact_lock_shared', WRITE],
  ['pg_advisory_unlock', WRITE],
  ['pg_advisory_unlock_shared', WRITE],
  ['pg_advisory_unlock_all', WRITE],
  // Messages to other sessions and to logical decoding
  ['pg_notify', WRITE],
  ['pg_logical_emit_message', WRITE],
  // SQL text run elsewhere or relations named by strings
  ['dblink', DYNAMIC_WRITE],
  ['dblink_exec', DYNAMIC_WRITE],
  ['dblink_send_query', DYNAMIC_WRITE],
  ['dblink_open', DYNAMIC_WRITE],
  ['dblink_connect', WRITE],
  ['dblink_connect_u', WRITE],
  ['query_to_xml', DYNAMIC_WRITE],
  ['cursor_to_xmlschema', DYNAMIC_WRITE],
  ['table_to_xmlschema', DYNAMIC_WRITE],
  ['schema_to_xmlschema', DYNAMIC_WRITE],
  ['schema_to_xml_and_xmlschema', DYNAMIC_WRITE],
  ['database_to_xmlschema', DYNAMIC_WRITE],
  ['database_to_xml_and_xmlschema', DYNAMIC_WRITE],
  // Text search statistics and rewrites over the rows of a query given as text.
  ['ts_stat', DYNAMIC_WRITE],
  ['ts_rewrite', { ...DYNAMIC_WRITE, arity: 2 }],
  // pg_background runs SQL text in a background worker.
  ['pg_background_launch', DYNAMIC_WRITE],
  ['query_to_xmlschema', DYNAMIC_WRITE],
  ['query_to_xml_and_xmlschema', DYNAMIC_WRITE],
  ['cursor_to_xml', DYNAMIC_WRITE],
  ['table_to_xml', DYNAMIC_WRITE],
  ['table_to_xml_and_xmlschema', DYNAMIC_WRITE],
  ['schema_to_xml', DYNAMIC_WRITE],
  ['database_to_xml', DYNAMIC_WRITE],
]);

/**
 * The side effect of calling `name` (lower case, unqualified) with `argumentCount` arguments.
 * Every dblink function not listed (dblink_fetch, dblink_get_result, dblink_build_sql_insert,
 * which reads a local row by key, …) runs or reads SQL the gateway cannot see: dynamic.
 */
export function sideEffectOf(name: string, argumentCount: number): SideEffect | undefined {
  const effect = POSTGRES_SIDE_EFFECT_FUNCTIONS.get(name);
  if (effect) return effect.arity === undefined || effect.arity === argumentCount ? effect : undefined;
  return name.startsWith('dblink') ? DYNAMIC_WRITE : undefined;
}

/**
 * Settings whose change switches logging, auditing, encryption, row security or triggers (audit
 * triggers are skipped under session_replication_role = replica).
 */
export function isSecuritySetting(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    lower.startsWith('log_') ||
    lower.startsWith('pgaudit.') ||
    lower.startsWith('ssl') ||
    lower.startsWith('debug_print') ||
    SECURITY_SETTINGS.has(lower)
  );
}

const SECURITY_SETTINGS = new Set([
  'password_encryption',
  'session_replication_role',
  'row_security',
  'logging_collector',
  'shared_preload_libraries',
  'session_preload_libraries',
  'local_preload_libraries',
  'wal_level',
  'archive_mode',
  'archive_command',
  'restore_command',
  'event_triggers',
]);

/** Settings that change who the session acts as. */
export function isPrivilegeSetting(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'role' || lower === 'session_authorization';
}
