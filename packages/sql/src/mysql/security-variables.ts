/**
 * System variables whose change turns auditing, logging, encryption or transport security on or
 * off (flag `security-setting`), matched on the lower-case name without scope prefix.
 */
const EXACT = new Set([
  'general_log',
  'general_log_file',
  'sql_log_bin',
  'sql_log_off',
  'require_secure_transport',
  'binlog_encryption',
  'binlog_format',
  'binlog_row_image',
  'default_table_encryption',
  'table_encryption_privilege_check',
  'slow_query_log',
  'slow_query_log_file',
  'secure_file_priv',
  'local_infile',
  'validate_password_policy',
  'init_connect',
  'tls_version',
  'ssl_cipher',
  'ssl_ca',
  'ssl_cert',
  'ssl_key',
  'admin_tls_version',
  'default_password_lifetime',
  'password_history',
  'password_reuse_interval',
  'partial_revokes',
  'mandatory_roles',
  'activate_all_roles_on_login',
  'automatic_sp_privileges',
  'skip_grant_tables',
]);

const PREFIXES = [
  'log_',
  'audit',
  'server_audit',
  'innodb_encrypt',
  'aria_encrypt',
  'encrypt_',
  'validate_password',
  'connection_control',
  'keyring',
  'mysql_firewall',
  'ssl_',
  'tls_',
];

export function isSecurityVariable(name: string): boolean {
  const lower = name.toLowerCase();
  return EXACT.has(lower) || PREFIXES.some((p) => lower.startsWith(p));
}

/**
 * Variables that change how the server lexes statements (NO_BACKSLASH_ESCAPES, ANSI_QUOTES) or
 * decodes bytes (multi-byte client charsets): the gateway's lexer assumes the defaults, so any
 * change is a security setting. The value is a literal and cannot be inspected (classifications
 * are cached per fingerprint, which has no literals), so every change is flagged.
 */
export function isLexingVariable(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'sql_mode' || lower === 'character_set_client';
}

/** Client charsets under which the lexer's view of backslashes and quotes stays exact. */
export const SAFE_CHARSETS = new Set(['utf8', 'utf8mb4', 'utf8mb3', 'latin1', 'ascii', 'binary', 'default']);
