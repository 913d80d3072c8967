import type { ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import { MYSQL_RESERVED } from './keywords.js';
import { classified, ref } from './result.js';
import type { Statement } from './statement.js';

/**
 * Role/user objects of a user list (`bob, `ops`@'%'`): one per comma-separated item that starts
 * with an unquoted or backticked name. Names written as string literals ('bob'@'%') are left out:
 * literals never leave the package.
 */
export function userObjects(stmt: Statement, from: number, to = stmt.length): ObjectRef[] {
  const objects: ObjectRef[] = [];
  let depth = 0;
  let itemStart = true;
  for (let i = from; i < to; i++) {
    if (stmt.isPunct(i, '(')) depth++;
    else if (stmt.isPunct(i, ')')) depth--;
    else if (depth === 0 && stmt.isPunct(i, ',')) {
      itemStart = true;
      continue;
    } else if (itemStart && depth === 0) {
      const token = stmt.tokens[i]!;
      const isName = token.kind === 'quoted-ident' || (token.kind === 'word' && !MYSQL_RESERVED.has(stmt.word(i)));
      if (isName && token.value !== undefined && stmt.word(i) !== 'CURRENT_USER' && !stmt.isPunct(i + 1, '(')) objects.push(ref('define', 'role', token.value));
    }
    itemStart = false;
  }
  return objects;
}

/** GRANT/REVOKE privileges ON level TO/FROM users, or role grants. */
export function classifyGrant(stmt: Statement): StatementClassification {
  const operation = stmt.word(0);
  // GRANT PROXY ON user TO user lets the grantee act as that user.
  if (stmt.word(1) === 'PROXY') return classified('dcl', operation, [], ['privilege-switch']);
  const on = stmt.findTopWord(new Set(['ON']));
  const target = stmt.findTopWord(new Set([operation === 'GRANT' ? 'TO' : 'FROM']));
  if (target < 0) return unknownStatement('parse-error');
  if (on < 0 || on > target) {
    // GRANT role, … TO user: the granted roles are the objects.
    return classified('dcl', operation, userObjects(stmt, 1, target));
  }
  let i = on + 1;
  const objectType = stmt.word(i);
  if (objectType === 'TABLE' || objectType === 'FUNCTION' || objectType === 'PROCEDURE') i++;
  const level = privilegeLevel(stmt, i);
  if (!level) return unknownStatement('parse-error');
  return classified('dcl', operation, [level]);
}

/** `*`, `*.*`, `db.*`, `db.tbl`, `tbl` as an object. */
function privilegeLevel(stmt: Statement, i: number): ObjectRef | null {
  const star = (k: number): boolean => stmt.isOperator(k, '*');
  const database = stmt.context.database ?? '?';
  if (star(i) && stmt.isPunct(i + 1, '.') && star(i + 2)) return ref('define', 'database', '*');
  if (star(i)) return ref('define', 'database', database);
  const name = stmt.name(i);
  if (!name) return null;
  if (stmt.isOperator(name.next, '*') && stmt.isPunct(name.next - 1, '.')) return ref('define', 'database', name.parts[0]!);
  const kind = stmt.word(i - 1) === 'FUNCTION' ? 'function' : stmt.word(i - 1) === 'PROCEDURE' ? 'procedure' : 'table';
  return ref('define', kind, stmt.qualify(name.parts));
}
