import type { Action } from '@gatehouse/core';

/**
 * Actions for commands that carry no SQL text: they are decided by the same policy as statements,
 * with the category and operation a statement doing the same would get.
 */
function action(category: Action['category'], operation: string, objects: Action['objects'], label: string): Action {
  return { dialect: 'mysql', category, operation, objects, flags: [], fingerprint: label, redactedText: label };
}

/** COM_INIT_DB (what `USE db` does): a session action on the database. */
export function useDatabaseAction(database: string): Action {
  return action('session', 'USE', [{ name: database, kind: 'database', access: 'read' }], `USE ${database}`);
}

/** COM_FIELD_LIST (column metadata of a table, as SHOW COLUMNS). */
export function fieldListAction(database: string, table: string): Action {
  return action('read', 'SHOW COLUMNS', [{ name: `${database}.${table}`, kind: 'table', access: 'read' }], `<COM_FIELD_LIST ${table}>`);
}

/** COM_PROCESS_KILL (as `KILL id`). */
export function killAction(): Action {
  return action('admin', 'KILL', [], 'KILL ?');
}

/** COM_STATISTICS (server status counters, as `SHOW STATUS`). */
export function statisticsAction(): Action {
  return action('admin', 'STATISTICS', [], '<COM_STATISTICS>');
}

/** COM_PROCESS_INFO (as SHOW PROCESSLIST). */
export function processInfoAction(): Action {
  return action('admin', 'SHOW PROCESSLIST', [], 'SHOW PROCESSLIST');
}

/** COM_REFRESH (as FLUSH). */
export function refreshAction(): Action {
  return action('admin', 'FLUSH', [], '<COM_REFRESH>');
}

/**
 * The connection id of a plain `KILL [HARD|SOFT] [CONNECTION|QUERY] <id>`; undefined for anything
 * else (KILL USER, KILL QUERY ID, expressions), which the gateway does not let through.
 */
export function killTargetOf(text: string): number | undefined {
  const match = /^\s*KILL\s+(?:(?:HARD|SOFT)\s+)?(?:(?:CONNECTION|QUERY)\s+)?(\d{1,10})\s*;?\s*$/i.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** True when the text is a KILL statement of any form. */
export function isKillStatement(actions: readonly Action[]): boolean {
  return actions.some((entry) => entry.operation === 'KILL');
}

/** True when the decided statement is a LOAD DATA LOCAL INFILE the client may be asked to send a file for. */
export function allowsLocalInfile(text: string, actions: readonly Action[]): boolean {
  return actions.some((entry) => entry.operation === 'LOAD DATA' && entry.flags.includes('file-access')) && /\bLOCAL\b/i.test(text);
}
