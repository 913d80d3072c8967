import type { Flag, ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import { analyzeStatement } from '../nsp/analyze.js';
import type { MysqlParser } from './parser.js';
import { classified, ref } from './result.js';
import type { Statement } from './statement.js';

/** START TRANSACTION, BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE SAVEPOINT, XA … */
export function classifyTransaction(stmt: Statement): StatementClassification {
  const w0 = stmt.word(0);
  switch (w0) {
    case 'START':
      return classified('transaction', 'START TRANSACTION');
    case 'BEGIN':
      // MariaDB `BEGIN NOT ATOMIC … END` runs a compound block: what runs is not a transaction verb.
      if (stmt.length > 1 && stmt.word(1) !== 'WORK') return classified('unknown', 'BEGIN NOT ATOMIC', [], ['dynamic']);
      return classified('transaction', 'BEGIN');
    case 'ROLLBACK':
      return classified('transaction', stmt.findWord('TO') >= 0 ? 'ROLLBACK TO SAVEPOINT' : 'ROLLBACK');
    case 'RELEASE':
      return stmt.word(1) === 'SAVEPOINT' ? classified('transaction', 'RELEASE SAVEPOINT') : unknownStatement('parse-error');
    case 'XA': {
      const verb = stmt.word(1);
      return ['START', 'BEGIN', 'END', 'PREPARE', 'COMMIT', 'ROLLBACK', 'RECOVER'].includes(verb)
        ? classified('transaction', `XA ${verb}`)
        : unknownStatement('parse-error');
    }
    default:
      return classified('transaction', w0);
  }
}

/** Verbs that control the server: category admin, operation as written (first one or two words). */
const ADMIN_TWO_WORDS = new Set(['CHANGE', 'START', 'STOP', 'RESET', 'LOAD', 'CACHE', 'PURGE', 'INSTALL', 'UNINSTALL']);
const SECURITY_PLUGIN = /audit|validate_password|connection_control|keyring|firewall/i;

export function classifyAdmin(stmt: Statement): StatementClassification {
  const w0 = stmt.word(0);
  const w1 = stmt.word(1);
  const operation = ADMIN_TWO_WORDS.has(w0) && w1 !== '' ? `${w0} ${w1}` : w0;
  const flags: Flag[] = [];
  if (w0 === 'INSTALL' || w0 === 'UNINSTALL') {
    // Plugins and components are native code; components are named by string (uninspectable).
    if (w0 === 'INSTALL') flags.push('file-access');
    const name = stmt.tokens[2];
    if (w1 === 'COMPONENT' || !name?.value || SECURITY_PLUGIN.test(name.value)) flags.push('security-setting');
  }
  if (w0 === 'BINLOG') flags.push('dynamic'); // replays base64 row events: writes nothing visible here
  if (w0 === 'CLONE' && stmt.findWord('DIRECTORY') >= 0) flags.push('file-access');
  // Deleting binary logs erases the server's change trail.
  if ((w0 === 'RESET' || w0 === 'PURGE') && (w1 === 'MASTER' || w1 === 'BINARY')) flags.push('security-setting');
  return classified('admin', operation, [], flags);
}

/** LOAD DATA / LOAD XML [LOCAL] INFILE 'f' … INTO TABLE t: writes rows read from a file. */
export function classifyLoad(stmt: Statement): StatementClassification {
  const kind = stmt.word(1);
  if (kind !== 'DATA' && kind !== 'XML') return classified('admin', `LOAD ${kind}`.trim());
  const table = stmt.findWord('TABLE');
  const name = table >= 0 ? stmt.name(table + 1) : null;
  if (!name) return unknownStatement('parse-error');
  return classified('write', `LOAD ${kind}`, [ref('write', 'table', stmt.qualify(name.parts))], ['file-access']);
}

/** PREPARE s FROM …: session; the text is a literal or a variable, so what it holds is dynamic. */
export function classifyPrepare(stmt: Statement): StatementClassification {
  const w0 = stmt.word(0);
  if (w0 === 'PREPARE') return classified('session', 'PREPARE', [], ['dynamic']);
  if (w0 === 'DEALLOCATE') return classified('session', 'DEALLOCATE PREPARE');
  if (w0 === 'EXECUTE' && stmt.word(1) === 'IMMEDIATE') return classified('unknown', 'EXECUTE IMMEDIATE', [], ['dynamic']);
  return classified('unknown', 'EXECUTE', [], ['dynamic']);
}

/** CALL p(args) */
export function classifyCall(stmt: Statement): StatementClassification {
  const name = stmt.name(1);
  if (!name) return unknownStatement('parse-error');
  return classified('procedure', 'CALL', [ref('execute', 'procedure', stmt.qualify(name.parts))]);
}

/** HANDLER t OPEN / READ / CLOSE: OPEN and READ read rows of the table (or its handler alias). */
export function classifyHandler(stmt: Statement): StatementClassification {
  const name = stmt.name(1);
  if (!name) return unknownStatement('parse-error');
  const verb = stmt.word(name.next);
  if (verb === 'CLOSE') return classified('session', 'HANDLER');
  if (verb !== 'OPEN' && verb !== 'READ') return unknownStatement('parse-error');
  return classified('read', 'HANDLER', [ref('read', 'table', stmt.qualify(name.parts))]);
}

/**
 * LOCK TABLES t READ, u WRITE: category write (it blocks other sessions' writes or reads and needs
 * the LOCK TABLES privilege); READ locks are read objects, WRITE locks write objects.
 * LOCK INSTANCE FOR BACKUP is admin; UNLOCK TABLES is session.
 */
export function classifyLock(stmt: Statement): StatementClassification {
  const w0 = stmt.word(0);
  const w1 = stmt.word(1);
  if (w1 === 'INSTANCE') return classified('admin', `${w0} INSTANCE`);
  if (w0 === 'UNLOCK') return w1 === 'TABLES' || w1 === 'TABLE' ? classified('session', 'UNLOCK TABLES') : unknownStatement('parse-error');
  if (w1 !== 'TABLES' && w1 !== 'TABLE') return unknownStatement('parse-error');
  const objects: ObjectRef[] = [];
  let i = 2;
  while (i < stmt.length) {
    const name = stmt.name(i);
    if (!name) return unknownStatement('parse-error');
    let j = name.next;
    while (j < stmt.length && !stmt.isPunct(j, ',')) j++;
    let write = false;
    for (let k = name.next; k < j; k++) if (stmt.word(k) === 'WRITE') write = true;
    objects.push(ref(write ? 'write' : 'read', 'table', stmt.qualify(name.parts)));
    i = j + 1;
  }
  return classified('write', 'LOCK TABLES', objects);
}

/** DO expr, …: evaluated like a SELECT whose result is discarded. */
export function classifyDo(stmt: Statement, parser: MysqlParser): StatementClassification {
  try {
    const database = stmt.context.database ?? '?';
    const analysis = analyzeStatement(parser.parseOne(`SELECT ${stmt.parseText(1)}`), {
      qualify: (r) => `${r.db ?? database}.${r.table}`,
    });
    if (analysis.unsupported.length > 0) return unknownStatement('parse-error');
    return { ...classified('read', 'DO', analysis.objects), functions: analysis.functions };
  } catch {
    return unknownStatement('parse-error');
  }
}

/** MySQL 8 `TABLE t [ORDER BY …] [LIMIT …]`: every column of t. */
export function classifyTableStatement(stmt: Statement): StatementClassification {
  const name = stmt.name(1);
  if (!name) return unknownStatement('parse-error');
  for (let i = name.next; i < stmt.length; i++) {
    const word = stmt.word(i);
    if (word === 'UNION' || word === 'INTO' || word === 'EXCEPT' || word === 'INTERSECT' || stmt.isPunct(i, '(')) {
      return unknownStatement('parse-error');
    }
  }
  const table = stmt.qualify(name.parts);
  return {
    ...classified('read', 'TABLE', [{ name: table, kind: 'table', access: 'read', columns: ['*'] }]),
    lineage: [{ output: '*', position: 0, sources: [`${table}.*`], direct: true }],
  };
}
