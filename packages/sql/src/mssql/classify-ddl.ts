import type { ObjectKind, ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { plainName, qualifiedName } from './names.js';
import { classifyDml } from './classify-dml.js';
import { countWord, findWord, readName } from './read-name.js';
import type { StatementContext } from './statement-context.js';
import { parseError, statement } from './statement-context.js';

/** Object type words → the kind of object defined, for schema-scoped objects. */
const SCHEMA_OBJECTS: Readonly<Record<string, ObjectKind>> = {
  TABLE: 'table',
  VIEW: 'view',
  PROC: 'procedure',
  PROCEDURE: 'procedure',
  FUNCTION: 'function',
  SEQUENCE: 'sequence',
  SYNONYM: 'other',
  TYPE: 'other',
  TRIGGER: 'other',
  DEFAULT: 'other',
  RULE: 'other',
};

const PRINCIPALS: ReadonlySet<string> = new Set(['LOGIN', 'USER', 'ROLE']);
/** Index options between CREATE and INDEX. */
const INDEX_MODIFIERS: ReadonlySet<string> = new Set(['UNIQUE', 'CLUSTERED', 'NONCLUSTERED', 'COLUMNSTORE', 'PRIMARY', 'XML', 'SPATIAL']);
/** Server- or instance-level objects whose statements are administration. */
const ADMIN_OBJECTS: ReadonlySet<string> = new Set(
  `CERTIFICATE ASYMMETRIC SYMMETRIC MASTER CREDENTIAL CRYPTOGRAPHIC AVAILABILITY ENDPOINT RESOURCE WORKLOAD
  EXTERNAL BROKER EVENT`.split(/\s+/),
);
/** ALTER DATABASE … SET options that switch encryption, auditing or ownership-chain security. */
const DATABASE_SECURITY_OPTIONS: ReadonlySet<string> = new Set(['ENCRYPTION', 'TRUSTWORTHY', 'DB_CHAINING', 'HONOR_BROKER_PRIORITY']);

/** CREATE / ALTER / DROP [OR ALTER] … at `from`. */
export function classifyDdl(sc: StatementContext, from: number, to: number): StatementClassification {
  const { view } = sc;
  let verb = view.word(from);
  let at = from + 1;
  if (verb === 'CREATE' && view.word(at) === 'OR' && view.word(at + 1) === 'ALTER') {
    verb = 'CREATE OR ALTER';
    at += 2;
  }
  let type = view.word(at);
  if (type === '') return parseError();

  if (INDEX_MODIFIERS.has(type)) {
    while (INDEX_MODIFIERS.has(view.word(at))) at++;
    type = view.word(at);
    if (type !== 'INDEX') return parseError();
  }
  if (type === 'INDEX') return index(sc, verb, at + 1, to);

  const kind = SCHEMA_OBJECTS[type];
  if (kind) {
    const operation = `${verb} ${type === 'PROC' ? 'PROCEDURE' : type}`;
    const names = namesAfter(sc, at + 1, to, verb === 'DROP');
    if (names.length === 0) return parseError();
    const objects = names.map((parts) => define(qualifiedName(parts, sc.context), kind));
    if (type === 'SYNONYM' && verb !== 'DROP') {
      const target = synonymTarget(sc, at + 1, to);
      if (!target) return parseError();
      objects.push(...target);
    }
    if (type === 'TABLE') objects.push(...referencedTables(sc, at + 1, to));
    if (type === 'TABLE' && verb === 'CREATE' && countWord(view, at + 1, to, 'SELECT') > 0) {
      const copied = createTableAs(sc, objects[0]!.name, at + 1, to);
      if (!copied) return parseError();
      objects.push(...copied);
    }
    return statement('ddl', operation, objects);
  }

  const second = view.word(at + 1);
  const third = view.word(at + 2);
  if (type === 'DATABASE') {
    if (second === 'AUDIT') return statement('admin', `${verb} DATABASE AUDIT SPECIFICATION`, [], ['security-setting']);
    if (second === 'ENCRYPTION') return statement('admin', `${verb} DATABASE ENCRYPTION KEY`, [], ['security-setting']);
    if (second === 'SCOPED') return statement('admin', `${verb} DATABASE SCOPED ${third}`);
    const name = readName(view, at + 1, to);
    const objects = name ? [define(plainName(name.parts), 'database')] : [];
    if (verb === 'ALTER' && setsSecurityOption(sc, at + 1, to)) {
      return statement('admin', 'ALTER DATABASE', objects, ['security-setting']);
    }
    return statement('ddl', `${verb} DATABASE`, objects);
  }
  if (type === 'SERVER') {
    if (second === 'AUDIT') {
      const operation = third === 'SPECIFICATION' ? 'SERVER AUDIT SPECIFICATION' : 'SERVER AUDIT';
      return statement('admin', `${verb} ${operation}`, [], ['security-setting']);
    }
    if (second === 'ROLE') return principal(sc, verb, 'SERVER ROLE', at + 2, to);
    return statement('admin', `${verb} SERVER ${second}`.trim());
  }
  if (PRINCIPALS.has(type)) return principal(sc, verb, type, at + 1, to);
  if (type === 'APPLICATION' && second === 'ROLE') return principal(sc, verb, 'APPLICATION ROLE', at + 2, to);
  if (type === 'AUTHORIZATION') return statement('dcl', `${verb} AUTHORIZATION`);
  if (type === 'SCHEMA') {
    const name = readName(view, at + 1, to);
    const database = sc.context.database ?? '?';
    return statement('ddl', `${verb} SCHEMA`, name ? [define(`${database}.${plainName(name.parts)}`, 'schema')] : []);
  }
  if (ADMIN_OBJECTS.has(type)) return statement('admin', `${verb} ${type}`);
  return statement('ddl', `${verb} ${type}`);
}

/**
 * CREATE SYNONYM s FOR target: every later use of s reads or writes the target under another
 * name, so a deny on the target must stop the synonym. The target may be a procedure or function
 * too; it is reported as a table (read and write), the kind table rules match.
 */
function synonymTarget(sc: StatementContext, from: number, to: number): ObjectRef[] | undefined {
  const forAt = findWord(sc.view, from, to, 'FOR');
  const target = forAt >= 0 ? readName(sc.view, forAt + 1, to) : undefined;
  if (!target || target.next !== to) return undefined;
  const name = qualifiedName(target.parts, sc.context);
  return [
    { name, kind: 'table', access: 'read' },
    { name, kind: 'table', access: 'write' },
  ];
}

/**
 * CREATE TABLE t [WITH (…)] AS SELECT … (Azure Synapse and Fabric): the query's reads, and t
 * written. Undefined when the query cannot be read.
 */
function createTableAs(sc: StatementContext, table: string, from: number, to: number): ObjectRef[] | undefined {
  const as = findWord(sc.view, from, to, 'AS');
  if (as < 0) return undefined;
  const query = classifyDml(sc, as + 1, to, 'SELECT');
  if (query.category !== 'read') return undefined;
  return [...query.objects, { name: table, kind: 'table', access: 'write' }];
}

/** REFERENCES t in CREATE/ALTER TABLE: every insert checks t's key, an existence oracle on its rows. */
function referencedTables(sc: StatementContext, from: number, to: number): ObjectRef[] {
  const objects: ObjectRef[] = [];
  for (let k = from; k < to; k++) {
    if (sc.view.word(k) !== 'REFERENCES') continue;
    const name = readName(sc.view, k + 1, to);
    if (name) objects.push({ name: qualifiedName(name.parts, sc.context), kind: 'table', access: 'read' });
  }
  return objects;
}

/** TRUNCATE TABLE t. */
export function classifyTruncate(sc: StatementContext, from: number, to: number): StatementClassification {
  if (sc.view.word(from + 1) !== 'TABLE') return parseError();
  const name = readName(sc.view, from + 2, to);
  if (!name) return parseError();
  return statement('ddl', 'TRUNCATE', [define(qualifiedName(name.parts, sc.context), 'table')]);
}

/** GRANT / REVOKE / DENY … ON [class::]securable TO|FROM principals. */
export function classifyGrant(sc: StatementContext, from: number, to: number): StatementClassification {
  const { view } = sc;
  const operation = view.word(from);
  const objects: ObjectRef[] = [];
  const on = findWord(view, from + 1, to, 'ON');
  if (on >= 0) {
    let at = on + 1;
    let kind: ObjectKind = 'table';
    if (view.punct(at + 1) === '::') {
      const securableClass = view.word(at);
      kind = securableClass === 'SCHEMA' ? 'schema' : securableClass === 'DATABASE' ? 'database' : securableClass === 'OBJECT' ? 'table' : 'other';
      at += 2;
    }
    const name = readName(view, at, to);
    if (!name) return parseError();
    const full =
      kind === 'table' ? qualifiedName(name.parts, sc.context) : kind === 'schema' ? `${sc.context.database ?? '?'}.${plainName(name.parts)}` : plainName(name.parts);
    objects.push(define(full, kind));
  }
  const toAt = Math.max(findWord(view, from + 1, to, 'TO'), operation === 'REVOKE' ? findWord(view, from + 1, to, 'FROM') : -1);
  if (toAt >= 0) {
    for (let at = toAt + 1; at < to; ) {
      const name = readName(view, at, to);
      if (!name) break;
      objects.push(define(plainName(name.parts), 'role'));
      if (view.punct(name.next) !== ',') break;
      at = name.next + 1;
    }
  }
  return statement('dcl', operation, objects);
}

function principal(sc: StatementContext, verb: string, type: string, at: number, to: number): StatementClassification {
  const name = readName(sc.view, at, to);
  return statement('dcl', `${verb} ${type}`, name ? [define(plainName(name.parts), 'role')] : []);
}

/** CREATE INDEX ix ON t (…); DROP INDEX ix ON t; DROP INDEX t.ix. */
function index(sc: StatementContext, verb: string, at: number, to: number): StatementClassification {
  const { view } = sc;
  if (view.word(at) === 'IF' && view.word(at + 1) === 'EXISTS') at += 2;
  const name = readName(view, at, to);
  if (!name) return parseError();
  const objects: ObjectRef[] = [];
  if (view.word(name.next) === 'ON') {
    const table = readName(view, name.next + 1, to);
    if (!table) return parseError();
    const tableName = qualifiedName(table.parts, sc.context);
    objects.push(define(`${tableName}.${name.parts.at(-1)!}`, 'index'), define(tableName, 'table'));
  } else if (name.parts.length >= 2 && verb === 'DROP') {
    const tableName = qualifiedName(name.parts.slice(0, -1), sc.context);
    objects.push(define(`${tableName}.${name.parts.at(-1)!}`, 'index'), define(tableName, 'table'));
  } else {
    return parseError();
  }
  return statement('ddl', `${verb} INDEX`, objects);
}

/** Names after CREATE/ALTER/DROP <type>: one, or a comma list for DROP, skipping IF EXISTS. */
function namesAfter(sc: StatementContext, at: number, to: number, list: boolean): string[][] {
  const { view } = sc;
  if (view.word(at) === 'IF' && view.word(at + 1) === 'EXISTS') at += 2;
  const names: string[][] = [];
  for (;;) {
    const name = readName(view, at, to);
    if (!name) break;
    names.push([...name.parts]);
    if (!list || view.punct(name.next) !== ',') break;
    at = name.next + 1;
  }
  return names;
}

function setsSecurityOption(sc: StatementContext, from: number, to: number): boolean {
  const set = findWord(sc.view, from, to, 'SET');
  if (set < 0) return false;
  for (let k = set + 1; k < to; k++) if (DATABASE_SECURITY_OPTIONS.has(sc.view.word(k))) return true;
  return false;
}

function define(name: string, kind: ObjectKind): ObjectRef {
  return { name, kind, access: 'define' };
}
