import type { Category, Flag, ObjectKind, ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import { userObjects } from './dcl.js';
import { routineBodyStart, tableReferences, usesRemoteEngine, viewReads, withRoutineBody } from './definition-reads.js';
import type { MysqlParser } from './parser.js';
import { parseQuery } from './query.js';
import type { InnerClassifier } from './result.js';
import { classified, ref } from './result.js';
import type { Statement } from './statement.js';

interface ObjectType {
  /** Words after CREATE/ALTER/DROP that name the type, e.g. ['LOGFILE', 'GROUP']. */
  readonly words: readonly string[];
  /** Operation suffix: 'TABLE' → 'CREATE TABLE'. */
  readonly op: string;
  readonly kind: ObjectKind;
  readonly category: Category;
  /** Object named with the database only (databases) or db-qualified (everything else). */
  readonly bare?: boolean;
}

const TYPES: readonly ObjectType[] = [
  { words: ['TABLE'], op: 'TABLE', kind: 'table', category: 'ddl' },
  { words: ['VIEW'], op: 'VIEW', kind: 'view', category: 'ddl' },
  { words: ['INDEX'], op: 'INDEX', kind: 'index', category: 'ddl' },
  { words: ['DATABASE'], op: 'DATABASE', kind: 'database', category: 'ddl', bare: true },
  { words: ['SCHEMA'], op: 'DATABASE', kind: 'database', category: 'ddl', bare: true },
  { words: ['PROCEDURE'], op: 'PROCEDURE', kind: 'procedure', category: 'ddl' },
  { words: ['FUNCTION'], op: 'FUNCTION', kind: 'function', category: 'ddl' },
  { words: ['TRIGGER'], op: 'TRIGGER', kind: 'other', category: 'ddl' },
  { words: ['EVENT'], op: 'EVENT', kind: 'other', category: 'ddl' },
  { words: ['SEQUENCE'], op: 'SEQUENCE', kind: 'sequence', category: 'ddl' },
  { words: ['TABLESPACE'], op: 'TABLESPACE', kind: 'other', category: 'ddl', bare: true },
  { words: ['LOGFILE', 'GROUP'], op: 'LOGFILE GROUP', kind: 'other', category: 'ddl', bare: true },
  { words: ['SERVER'], op: 'SERVER', kind: 'other', category: 'ddl', bare: true },
  { words: ['SPATIAL', 'REFERENCE', 'SYSTEM'], op: 'SPATIAL REFERENCE SYSTEM', kind: 'other', category: 'ddl', bare: true },
  { words: ['PACKAGE', 'BODY'], op: 'PACKAGE BODY', kind: 'procedure', category: 'ddl' },
  { words: ['PACKAGE'], op: 'PACKAGE', kind: 'procedure', category: 'ddl' },
  { words: ['RESOURCE', 'GROUP'], op: 'RESOURCE GROUP', kind: 'other', category: 'admin', bare: true },
  { words: ['USER'], op: 'USER', kind: 'role', category: 'dcl' },
  { words: ['ROLE'], op: 'ROLE', kind: 'role', category: 'dcl' },
  { words: ['INSTANCE'], op: 'INSTANCE', kind: 'other', category: 'admin' },
  { words: ['PREPARE'], op: 'PREPARE', kind: 'other', category: 'session' },
];

/** Words between CREATE/ALTER/DROP and the object type that do not change what the statement is. */
const MODIFIERS = new Set([
  'OR',
  'REPLACE',
  'TEMPORARY',
  'UNIQUE',
  'FULLTEXT',
  'ONLINE',
  'OFFLINE',
  'IGNORE',
  'AGGREGATE',
  'UNDO',
  'EDITIONABLE',
  'NONEDITIONABLE',
]);

/** Words that start ALTER DATABASE options, so no database name was given. */
const DATABASE_OPTIONS = new Set(['CHARACTER', 'CHARSET', 'DEFAULT', 'COLLATE', 'ENCRYPTION', 'READ', 'UPGRADE', 'COMMENT']);

const ENCRYPTION_WORDS = new Set(['ENCRYPTION', 'ENCRYPTED', 'ENCRYPTION_KEY_ID']);

/** CREATE / ALTER / DROP <type> …: category and objects from the lexer. */
export function classifyDdl(stmt: Statement, parser: MysqlParser, inner: InnerClassifier): StatementClassification {
  const verb = stmt.word(0);
  const at = skipModifiers(stmt, 1);
  const type = TYPES.find((t) => t.words.every((w, k) => stmt.word(at + k) === w));
  if (!type) return unknownStatement('parse-error');
  // SPATIAL INDEX is an index; SPATIAL REFERENCE SYSTEM is matched above.
  const operation = `${verb} ${type.op}`;
  let i = at + type.words.length;
  i = skipIfExists(stmt, i);
  const flags: Flag[] = [];
  if (stmt.tokens.some((_, k) => ENCRYPTION_WORDS.has(stmt.word(k)))) flags.push('security-setting');

  if (type.op === 'PREPARE') return classified('session', 'DEALLOCATE PREPARE');
  if (type.category === 'dcl') {
    if (verb === 'ALTER' && stmt.findWord('ROLE') >= 0 && stmt.findWord('DEFAULT') >= 0) flags.push('privilege-switch');
    return classified('dcl', operation, userObjects(stmt, i), flags);
  }
  if (type.op === 'INSTANCE') return classified('admin', operation, [], ['security-setting']);
  if (type.op === 'RESOURCE GROUP') return classified('admin', operation);

  const objects: ObjectRef[] = [];
  const access = 'define';
  if (type.op === 'INDEX') {
    const index = stmt.name(i);
    const on = stmt.findWord('ON', i);
    const table = on >= 0 ? stmt.name(on + 1) : null;
    if (!index || !table) return unknownStatement('parse-error');
    const tableName = stmt.qualify(table.parts);
    objects.push(ref(access, 'table', tableName), ref(access, 'index', `${tableName.split('.')[0]}.${index.parts.at(-1)!}`));
    return classified('ddl', operation, objects, flags);
  }
  if (type.op === 'FUNCTION' && verb === 'CREATE' && stmt.findWord('SONAME') >= 0) {
    // A loadable (UDF) function: installs a native library into the server.
    return classified('admin', operation, [], ['file-access']);
  }

  // DROP takes a list; CREATE/ALTER one name (ALTER DATABASE may omit it: the current one).
  let first = true;
  if (type.kind === 'database' && verb === 'ALTER' && DATABASE_OPTIONS.has(stmt.word(i))) i = stmt.length;
  for (;;) {
    const name = stmt.name(i);
    if (!name) break;
    const full = type.bare ? name.parts.at(-1)! : stmt.qualify(name.parts);
    objects.push(ref(access, type.kind, full));
    i = name.next;
    if (verb !== 'DROP' || !stmt.isPunct(i, ',')) break;
    i++;
    first = false;
  }
  if (first && objects.length === 0 && type.op !== 'TABLESPACE') {
    // ALTER DATABASE without a name means the current database.
    if (type.kind === 'database' && verb === 'ALTER') objects.push(ref(access, 'database', stmt.context.database ?? '?'));
    else return unknownStatement('parse-error');
  }
  if (type.op === 'TRIGGER' && verb === 'CREATE') {
    const on = stmt.findWord('ON', i);
    const table = on >= 0 ? stmt.name(on + 1) : null;
    if (table) objects.push(ref(access, 'table', stmt.qualify(table.parts)));
  }
  if (type.op === 'TABLE' && verb !== 'DROP') {
    objects.push(...tableReferences(stmt, i));
    if (usesRemoteEngine(stmt, i)) flags.push('dynamic');
  }
  if (type.op === 'TABLE' && verb === 'CREATE') return createTableSelect(stmt, i, parser, objects, flags);
  if (type.op === 'VIEW' && verb !== 'DROP') {
    const reads = viewReads(stmt, i, parser);
    if (!reads) return unknownStatement('parse-error');
    objects.push(...reads);
  }
  const whole = classified(type.category, operation, objects, flags);
  const routine = ROUTINES[type.op];
  if (routine && verb === 'CREATE') return withRoutineBody(stmt, whole, routineBodyStart(stmt, routine, i), parser, inner);
  if (type.op === 'EVENT' && verb === 'ALTER') {
    const body = routineBodyStart(stmt, 'EVENT', i);
    return body < 0 ? whole : withRoutineBody(stmt, whole, body, parser, inner);
  }
  return whole;
}

/** Stored programs whose body runs later, under the definer's rights. */
const ROUTINES: Readonly<Record<string, 'TRIGGER' | 'PROCEDURE' | 'FUNCTION' | 'EVENT'>> = {
  TRIGGER: 'TRIGGER',
  PROCEDURE: 'PROCEDURE',
  FUNCTION: 'FUNCTION',
  EVENT: 'EVENT',
};

/** CREATE TABLE … [AS] SELECT copies rows: the query's reads are part of the statement. */
function createTableSelect(
  stmt: Statement,
  from: number,
  parser: MysqlParser,
  objects: ObjectRef[],
  flags: Flag[],
): StatementClassification {
  let start = -1;
  for (let k = from; k < stmt.length; k++) {
    const word = stmt.word(k);
    if (word === 'SELECT' || word === 'WITH') {
      start = k;
      break;
    }
  }
  if (start < 0) {
    // CREATE TABLE t [AS] TABLE s (MySQL 8.0.19+): every row of s is copied.
    const table = stmt.findTopWord(new Set(['TABLE']), from);
    const copied = table >= 0 ? stmt.name(table + 1) : null;
    if (table >= 0 && !copied) return unknownStatement('parse-error');
    if (copied) objects.push({ name: stmt.qualify(copied.parts), kind: 'table', access: 'read', columns: ['*'] });
    return classified('ddl', 'CREATE TABLE', objects, flags);
  }
  const parsed = parseQuery(stmt, stmt.isPunct(start - 1, '(') && start - 1 === from ? start - 1 : start, parser);
  if (!parsed) return unknownStatement('parse-error');
  for (const object of parsed.analysis.objects) if (object.access === 'read') objects.push(object);
  return { ...classified('ddl', 'CREATE TABLE', objects, flags), functions: parsed.analysis.functions };
}

/** TRUNCATE [TABLE] t */
export function classifyTruncate(stmt: Statement): StatementClassification {
  const name = stmt.name(stmt.word(1) === 'TABLE' ? 2 : 1);
  if (!name) return unknownStatement('parse-error');
  return classified('ddl', 'TRUNCATE', [ref('define', 'table', stmt.qualify(name.parts))]);
}

/** RENAME TABLE a TO b, c TO d / RENAME USER … */
export function classifyRename(stmt: Statement): StatementClassification {
  if (stmt.word(1) === 'USER') return classified('dcl', 'RENAME USER', userObjects(stmt, 2));
  if (stmt.word(1) !== 'TABLE' && stmt.word(1) !== 'TABLES') return unknownStatement('parse-error');
  const objects: ObjectRef[] = [];
  for (let i = 2; i < stmt.length; i++) {
    const name = stmt.word(i) === 'TO' ? null : stmt.name(i);
    if (!name) continue;
    objects.push(ref('define', 'table', stmt.qualify(name.parts)));
    i = name.next - 1;
  }
  return objects.length > 0 ? classified('ddl', 'RENAME TABLE', objects) : unknownStatement('parse-error');
}

/** Skips OR REPLACE, TEMPORARY, DEFINER = user, ALGORITHM = x, SQL SECURITY x, … */
function skipModifiers(stmt: Statement, from: number): number {
  let i = from;
  for (;;) {
    const word = stmt.word(i);
    if (MODIFIERS.has(word)) i++;
    else if (word === 'SPATIAL' && stmt.word(i + 1) === 'INDEX') i++;
    else if (word === 'ALGORITHM' && stmt.isOperator(i + 1, '=')) i += 3;
    else if (word === 'SQL' && stmt.word(i + 1) === 'SECURITY') i += 3;
    else if (word === 'DEFINER' && stmt.isOperator(i + 1, '=')) i = skipUser(stmt, i + 2);
    else return i;
  }
}

/** A user spec: name or 'string', optionally @host; or CURRENT_USER[()]. */
export function skipUser(stmt: Statement, from: number): number {
  let i = from;
  if (stmt.word(i) === 'CURRENT_USER') {
    i++;
    if (stmt.isPunct(i, '(') && stmt.isPunct(i + 1, ')')) i += 2;
    return i;
  }
  i++;
  const token = stmt.tokens[i];
  if (token?.kind === 'variable') return i + 1;
  if (stmt.isOperator(i, '@')) return i + 2;
  return i;
}

function skipIfExists(stmt: Statement, from: number): number {
  if (stmt.word(from) !== 'IF') return from;
  if (stmt.word(from + 1) === 'EXISTS') return from + 2;
  if (stmt.word(from + 1) === 'NOT' && stmt.word(from + 2) === 'EXISTS') return from + 3;
  return from;
}
