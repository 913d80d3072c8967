import type { Category, Flag } from '@gatehouse/core';

/** System procedures (lower case) that are not ordinary procedure calls: what they really do. */
export interface SystemProcedure {
  readonly category: Category;
  readonly flags: readonly Flag[];
}

const DCL: SystemProcedure = { category: 'dcl', flags: [] };

export const SYSTEM_PROCEDURES: ReadonlyMap<string, SystemProcedure> = new Map([
  // What runs is the text argument: the RPC path classifies the inner statement separately.
  ['sp_executesql', { category: 'unknown', flags: ['dynamic'] }],
  ['sp_prepare', { category: 'unknown', flags: ['dynamic'] }],
  ['sp_prepexec', { category: 'unknown', flags: ['dynamic'] }],
  ['sp_cursoropen', { category: 'unknown', flags: ['dynamic'] }],
  ['sp_configure', { category: 'admin', flags: [] }],
  ['sp_addrolemember', DCL],
  ['sp_droprolemember', DCL],
  ['sp_addsrvrolemember', DCL],
  ['sp_dropsrvrolemember', DCL],
  ['sp_addlogin', DCL],
  ['sp_droplogin', DCL],
  ['sp_adduser', DCL],
  ['sp_dropuser', DCL],
  ['sp_grantlogin', DCL],
  ['sp_revokelogin', DCL],
  ['sp_denylogin', DCL],
  ['sp_grantdbaccess', DCL],
  ['sp_revokedbaccess', DCL],
  ['sp_password', DCL],
  ['sp_change_users_login', DCL],
  ['sp_changedbowner', DCL],
  ['sp_addrole', DCL],
  ['sp_droprole', DCL],
  ['sp_setapprole', { category: 'session', flags: ['privilege-switch'] }],
  ['sp_unsetapprole', { category: 'session', flags: [] }],
  ['sp_rename', { category: 'ddl', flags: [] }],
  ['sp_set_session_context', { category: 'session', flags: [] }],
  ['sp_dboption', { category: 'admin', flags: [] }],
  ['sp_serveroption', { category: 'admin', flags: [] }],
  ['sp_addlinkedserver', { category: 'admin', flags: [] }],
  ['sp_addlinkedsrvlogin', { category: 'admin', flags: ['security-setting'] }],
  ['sp_trace_setstatus', { category: 'admin', flags: ['security-setting'] }],
  ['sp_trace_create', { category: 'admin', flags: ['security-setting', 'file-access'] }],
  ['sp_who', { category: 'admin', flags: [] }],
  ['sp_who2', { category: 'admin', flags: [] }],
  ['sp_procoption', { category: 'admin', flags: [] }],
]);
