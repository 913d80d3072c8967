import type { Category } from '@gatehouse/core';

/**
 * Command name → category. The mapping, plus the members of the same families that
 * drivers and mongosh send (listCollections, dropRole, …), each documented where it is less obvious.
 * Names are exact (the server's command names are case-sensitive) with the server's own aliases.
 * Anything not here is `unknown`, which policy never treats as a read.
 */
export const COMMAND_CATEGORIES: ReadonlyMap<string, Category> = new Map<string, Category>([
  // reads
  ['find', 'read'],
  ['aggregate', 'read'],
  ['count', 'read'],
  ['distinct', 'read'],
  ['getMore', 'read'],
  // metadata reads drivers and shells need (names, index definitions, sizes: no document values)
  ['listCollections', 'read'],
  ['listIndexes', 'read'],
  ['listDatabases', 'read'],
  ['collStats', 'read'],
  ['dbStats', 'read'],
  ['explain', 'read'],
  // writes
  ['insert', 'write'],
  ['update', 'write'],
  ['delete', 'write'],
  ['findAndModify', 'write'],
  ['findandmodify', 'write'],
  ['bulkWrite', 'write'],
  // ddl
  ['create', 'ddl'],
  ['drop', 'ddl'],
  ['createIndexes', 'ddl'],
  ['dropIndexes', 'ddl'],
  ['deleteIndexes', 'ddl'],
  ['collMod', 'ddl'],
  ['renameCollection', 'ddl'],
  ['dropDatabase', 'ddl'],
  // dcl
  ['createUser', 'dcl'],
  ['updateUser', 'dcl'],
  ['dropUser', 'dcl'],
  ['dropAllUsersFromDatabase', 'dcl'],
  ['grantRolesToUser', 'dcl'],
  ['revokeRolesFromUser', 'dcl'],
  ['createRole', 'dcl'],
  ['updateRole', 'dcl'],
  ['dropRole', 'dcl'],
  ['dropAllRolesFromDatabase', 'dcl'],
  ['grantPrivilegesToRole', 'dcl'],
  ['revokePrivilegesFromRole', 'dcl'],
  ['grantRolesToRole', 'dcl'],
  ['revokeRolesFromRole', 'dcl'],
  ['usersInfo', 'dcl'],
  ['rolesInfo', 'dcl'],
  // admin
  ['shutdown', 'admin'],
  ['setParameter', 'admin'],
  ['getParameter', 'admin'],
  ['killOp', 'admin'],
  ['currentOp', 'admin'],
  ['fsync', 'admin'],
  ['fsyncUnlock', 'admin'],
  ['replSetReconfig', 'admin'],
  ['replSetStepDown', 'admin'],
  ['applyOps', 'admin'],
  ['eval', 'admin'],
  ['$eval', 'admin'],
  ['setFeatureCompatibilityVersion', 'admin'],
  ['compact', 'admin'],
  ['logRotate', 'admin'],
  ['killAllSessions', 'admin'],
  ['serverStatus', 'admin'],
  ['getCmdLineOpts', 'admin'],
  ['getLog', 'admin'],
  ['hostInfo', 'admin'],
  // transactions (a transaction starts with `startTransaction: true` on its first command)
  ['commitTransaction', 'transaction'],
  ['abortTransaction', 'transaction'],
  // session
  ['hello', 'session'],
  ['isMaster', 'session'],
  ['ismaster', 'session'],
  ['ping', 'session'],
  ['endSessions', 'session'],
  ['buildInfo', 'session'],
  ['buildinfo', 'session'],
  ['connectionStatus', 'session'],
  // the gateway checks that the cursors are this principal's before deciding
  ['killCursors', 'session'],
  // answered by the gateway: interrupts this principal's own operations in the named sessions
  ['killSessions', 'session'],
]);

/** Commands whose first value is a collection name in the command's database. */
export const COLLECTION_COMMANDS = new Set([
  'find',
  'aggregate',
  'count',
  'distinct',
  'insert',
  'update',
  'delete',
  'findAndModify',
  'findandmodify',
  'create',
  'drop',
  'createIndexes',
  'dropIndexes',
  'deleteIndexes',
  'collMod',
  'listIndexes',
  'collStats',
  'killCursors',
  'compact',
]);
