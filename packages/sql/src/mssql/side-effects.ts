/**
 * T-SQL routines that reach outside the statement: they run programs, touch files or the registry,
 * open connections to other servers or change server state. A statement that calls one is never a
 * plain read: it takes the routine's category and the `side-effect-function` flag (plus
 * `file-access` where files or programs are involved). Keys are lower case.
 */
export interface SideEffect {
  readonly category: 'admin' | 'write';
  readonly fileAccess: boolean;
  /** Runs a query (or opens a source) the gateway cannot see: pass-through SQL text, another server. */
  readonly dynamic?: boolean;
}

const ADMIN: SideEffect = { category: 'admin', fileAccess: false };
const ADMIN_FILES: SideEffect = { category: 'admin', fileAccess: true };
const WRITE: SideEffect = { category: 'write', fileAccess: false };
const ADMIN_DYNAMIC: SideEffect = { category: 'admin', fileAccess: false, dynamic: true };

export const SIDE_EFFECT_ROUTINES: ReadonlyMap<string, SideEffect> = new Map([
  ['xp_cmdshell', ADMIN_FILES],
  // Ad hoc connections to other servers or files; OPENROWSET(BULK …) also reads a server file.
  // A loopback connection reads any table unseen by policy.
  ['openrowset', ADMIN_DYNAMIC],
  ['opendatasource', ADMIN_DYNAMIC],
  ['openquery', ADMIN_DYNAMIC],
  ['sp_oacreate', ADMIN_FILES],
  ['sp_oamethod', ADMIN_FILES],
  ['sp_oasetproperty', ADMIN],
  ['sp_oagetproperty', ADMIN],
  ['sp_oadestroy', ADMIN],
  ['xp_regread', ADMIN],
  ['xp_regwrite', ADMIN],
  ['xp_regdeletekey', ADMIN],
  ['xp_regdeletevalue', ADMIN],
  ['xp_instance_regread', ADMIN],
  ['xp_instance_regwrite', ADMIN],
  ['xp_dirtree', ADMIN_FILES],
  ['xp_subdirs', ADMIN_FILES],
  ['xp_fileexist', ADMIN_FILES],
  ['xp_availablemedia', ADMIN_FILES],
  ['xp_servicecontrol', ADMIN],
  ['sp_addextendedproc', ADMIN_FILES],
  ['fn_get_audit_file', ADMIN_FILES],
  ['fn_xe_file_target_read_file', ADMIN_FILES],
  ['fn_trace_gettable', ADMIN_FILES],
  ['sp_send_dbmail', WRITE],
  ['xp_sendmail', WRITE],
  ['sp_start_job', ADMIN],
  ['sp_execute_external_script', ADMIN_FILES],
]);
