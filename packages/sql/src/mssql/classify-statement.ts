import type { Category, Flag, ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { classifyDdl, classifyGrant, classifyTruncate } from './classify-ddl.js';
import { classifyDml } from './classify-dml.js';
import { classifyBareCall, classifyExec } from './classify-exec.js';
import { classifyMerge } from './classify-merge.js';
import type { NodeClassifiers } from './classify-module.js';
import { classifyModule } from './classify-module.js';
import { classifyDeclare, classifySet } from './classify-session.js';
import { findHazards } from './hazards.js';
import { qualifiedName } from './names.js';
import { countWord, findWord, readName } from './read-name.js';
import type { StatementNode } from './scanner.js';
import { STATEMENT_STARTERS } from './scanner.js';
import { classifySimpleDml } from './simple-dml.js';
import type { StatementContext } from './statement-context.js';
import { dedupeObjects, parseError, statement } from './statement-context.js';

/** Statements that only steer the batch or the session and read nothing themselves. */
const SESSION_STATEMENTS: Readonly<Record<string, string>> = {
  USE: 'USE',
  REVERT: 'REVERT',
  PRINT: 'PRINT',
  RAISERROR: 'RAISERROR',
  RETURN: 'RETURN',
  BREAK: 'BREAK',
  CONTINUE: 'CONTINUE',
  GOTO: 'GOTO',
  THROW: 'THROW',
  OPEN: 'OPEN',
  CLOSE: 'CLOSE',
  FETCH: 'FETCH',
  DEALLOCATE: 'DEALLOCATE',
};

const ADMIN_STATEMENTS: ReadonlySet<string> = new Set(['DBCC', 'SHUTDOWN', 'KILL', 'RECONFIGURE', 'CHECKPOINT']);
const TRANSACTION_WORDS: ReadonlySet<string> = new Set(['TRAN', 'TRANSACTION']);

/** One statement node (simple or compound) → its classification. */
export function classifyNode(sc: StatementContext, node: StatementNode): StatementClassification {
  switch (node.kind) {
    case 'simple':
      return classifySimple(sc, node.from, node.to);
    case 'module':
      // CREATE PROCEDURE … AS <body>: the definition, plus what the body will touch when it runs.
      return classifyModule(sc, node.from, node.to, MODULE_CLASSIFIERS);
    case 'broken':
      return parseError();
    case 'if':
    case 'while': {
      const parts = [condition(sc, node.condition.from, node.condition.to), ...node.body.map((child) => classifyNode(sc, child))];
      return merge(parts, node.kind === 'if' ? 'IF' : 'WHILE');
    }
    case 'block':
      return merge(
        node.body.map((child) => classifyNode(sc, child)),
        'BEGIN END',
      );
    case 'try':
      return merge(
        node.body.map((child) => classifyNode(sc, child)),
        'TRY CATCH',
      );
  }
}

function classifySimple(sc: StatementContext, from: number, to: number): StatementClassification {
  const head = sc.view.word(from);
  const result = classifyByHead(sc, from, to, head);
  // A statement decided from its first words alone must hold no second statement the scanner
  // merged into it (`SET NOCOUNT ON DELETE FROM t` if the scanner ever missed the boundary).
  // (A read here came from the parser, which has its own cross-check.)
  const lexical = LEXICAL_HEADS.has(head) && result.category !== 'unknown' && result.category !== 'read';
  return lexical && containsStarter(sc, from + 1, to) ? parseError() : result;
}

/** Statements classified from their first words, which never contain another statement keyword. */
const LEXICAL_HEADS: ReadonlySet<string> = new Set(
  `SET USE COMMIT ROLLBACK SAVE BEGIN SETUSER REVERT WAITFOR DBCC KILL SHUTDOWN RECONFIGURE CHECKPOINT BACKUP
  RESTORE PRINT RAISERROR RETURN BREAK CONTINUE GOTO OPEN CLOSE FETCH DEALLOCATE EXEC EXECUTE TRUNCATE DECLARE`.split(/\s+/),
);

function containsStarter(sc: StatementContext, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const word = sc.view.word(k);
    // EXECUTE AS … WITH NO REVERT; ALTER DATABASE … WITH ROLLBACK IMMEDIATE is DDL, not checked.
    if (STATEMENT_STARTERS.has(word) && !(word === 'REVERT' && sc.view.word(k - 1) === 'NO')) {
      return true;
    }
  }
  return false;
}

function classifyByHead(sc: StatementContext, from: number, to: number, head: string): StatementClassification {
  const { view } = sc;
  switch (head) {
    case 'SELECT':
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE':
      if (head === 'INSERT' && (findWord(view, from, to, 'EXEC') >= 0 || findWord(view, from, to, 'EXECUTE') >= 0)) {
        return insertExec(sc, from, to);
      }
      if (head === 'UPDATE' && view.word(from + 1) === 'STATISTICS') return updateStatistics(sc, from, to);
      return wholeTableShape(sc, from, to, head) ?? classifySimpleDml(sc, from, to) ?? classifyDml(sc, from, to, head);
    case 'WITH':
      return classifyDml(sc, from, to, cteMain(sc, from, to));
    case '':
      // (SELECT …) UNION (SELECT …)
      if (view.punct(from) === '(' && view.word(from + 1) === 'SELECT') return classifyDml(sc, from, to, 'SELECT');
      return parseError();
    case 'MERGE':
      return classifyMerge(sc, from, to);
    case 'EXEC':
    case 'EXECUTE':
      return classifyExec(sc, from, to);
    case 'BEGIN':
      if (TRANSACTION_WORDS.has(view.word(from + 1)) || view.word(from + 1) === 'DISTRIBUTED') {
        return statement('transaction', 'BEGIN TRANSACTION');
      }
      return parseError();
    case 'COMMIT':
    case 'ROLLBACK':
      return statement('transaction', head);
    case 'SAVE':
      return TRANSACTION_WORDS.has(view.word(from + 1)) ? statement('transaction', 'SAVE TRANSACTION') : parseError();
    case 'SET':
      return classifySet(sc, from, to);
    case 'DECLARE':
      return classifyDeclare(sc, from, to);
    case 'GRANT':
    case 'REVOKE':
    case 'DENY':
      return classifyGrant(sc, from, to);
    case 'CREATE':
    case 'ALTER':
    case 'DROP':
      return classifyDdl(sc, from, to);
    case 'TRUNCATE':
      return classifyTruncate(sc, from, to);
    case 'BACKUP':
    case 'RESTORE':
      // Both write or read backup files on the server's disks.
      return statement('admin', `${head} ${view.word(from + 1)}`.trim(), [], ['file-access']);
    case 'BULK':
      return bulkInsert(sc, from, to);
    case 'SETUSER':
      return statement('session', 'SETUSER', [], ['privilege-switch']);
    case 'ENABLE':
    case 'DISABLE':
      return view.word(from + 1) === 'TRIGGER' ? statement('ddl', `${head} TRIGGER`) : parseError();
    case 'WAITFOR':
      // WAITFOR (RECEIVE …) takes messages off a queue: a write we do not follow.
      return view.punct(from + 1) === '(' ? parseError() : statement('session', 'WAITFOR');
    default:
      break;
  }
  if (ADMIN_STATEMENTS.has(head)) return statement('admin', head);
  const session = SESSION_STATEMENTS[head];
  if (session) {
    // PRINT (SELECT …), RETURN (SELECT …): an embedded query or side effect is not followed.
    if (countWord(view, from, to, 'SELECT') > 0 || findHazards(view, from, to).category) return parseError();
    return statement('session', session);
  }
  const first = view.token(from);
  if (from === 0 && (first.kind === 'quoted-ident' || (first.kind === 'word' && !STATEMENT_STARTERS.has(head)))) {
    return classifyBareCall(sc, from, to);
  }
  // GO (a client-side batch separator the server rejects), labels, unknown words.
  return parseError();
}

/** WITH …: the statement the CTEs feed, the first DML keyword at depth 0 after a `)`. */
function cteMain(sc: StatementContext, from: number, to: number): string {
  const { view } = sc;
  let depth = 0;
  for (let k = from + 1; k < to; k++) {
    const p = view.punct(k);
    if (p === '(') depth++;
    else if (p === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && view.punct(k - 1) === ')') {
      const word = view.word(k);
      if (word === 'SELECT' || word === 'INSERT' || word === 'UPDATE' || word === 'DELETE') return word;
      if (word === 'MERGE') return 'MERGE';
    }
  }
  return '';
}

/**
 * Two exact shapes the grammar rejects: `DELETE [FROM] t` (every row) and
 * `INSERT [INTO] t DEFAULT VALUES`.
 */
function wholeTableShape(sc: StatementContext, from: number, to: number, head: string): StatementClassification | undefined {
  const { view } = sc;
  let at = from + 1;
  if (head === 'DELETE') {
    if (view.word(at) === 'FROM') at++;
    const name = readName(view, at, to);
    if (!name || name.next !== to) return undefined;
    const target: ObjectRef = { name: qualifiedName(name.parts, sc.context), kind: 'table', access: 'write' };
    return statement('write', 'DELETE', [target], ['unbounded']);
  }
  if (head === 'INSERT') {
    if (view.word(at) === 'INTO') at++;
    const name = readName(view, at, to);
    if (!name || name.next !== to - 2 || view.word(to - 2) !== 'DEFAULT' || view.word(to - 1) !== 'VALUES') return undefined;
    return statement('write', 'INSERT', [{ name: qualifiedName(name.parts, sc.context), kind: 'table', access: 'write' }]);
  }
  return undefined;
}

/** INSERT [INTO] t [(cols)] EXEC …: writes into t whatever the procedure (or dynamic batch) returns. */
function insertExec(sc: StatementContext, from: number, to: number): StatementClassification {
  const { view } = sc;
  let at = from + 1;
  if (view.word(at) === 'INTO') at++;
  const target = readName(view, at, to);
  if (!target) return parseError();
  let exec = findWord(view, target.next, to, 'EXEC');
  if (exec < 0) exec = findWord(view, target.next, to, 'EXECUTE');
  const inner = classifyExec(sc, exec, to);
  const write: ObjectRef = { name: qualifiedName(target.parts, sc.context), kind: 'table', access: 'write' };
  // The procedure may do anything besides feeding the insert, so its category (procedure, admin,
  // unknown …) is the statement's; the written table is listed with it.
  return statement(inner.category, 'INSERT', [write, ...inner.objects], inner.flags);
}

function updateStatistics(sc: StatementContext, from: number, to: number): StatementClassification {
  const name = readName(sc.view, from + 2, to);
  if (!name) return parseError();
  return statement('admin', 'UPDATE STATISTICS', [
    { name: qualifiedName(name.parts, sc.context), kind: 'table', access: 'define' },
  ]);
}

/** BULK INSERT t FROM 'file' …: writes t from a server file. */
function bulkInsert(sc: StatementContext, from: number, to: number): StatementClassification {
  if (sc.view.word(from + 1) !== 'INSERT') return parseError();
  const name = readName(sc.view, from + 2, to);
  if (!name) return parseError();
  return statement(
    'write',
    'BULK INSERT',
    [{ name: qualifiedName(name.parts, sc.context), kind: 'table', access: 'write' }],
    ['file-access'],
  );
}

const MODULE_CLASSIFIERS: NodeClassifiers = { node: classifyNode, condition };

/** An IF/WHILE condition: its subqueries' reads and side effects, parsed as SELECT 1 WHERE <cond>. */
function condition(sc: StatementContext, from: number, to: number): StatementClassification {
  const { view } = sc;
  if (countWord(view, from, to, 'SELECT') === 0 && !findHazards(view, from, to).category) {
    return statement('session', 'IF');
  }
  const inner = classifyDml(sc, from, to, 'SELECT', 'SELECT 1 AS c WHERE ');
  const { lineage: _lineage, ...rest } = inner;
  return rest;
}

/**
 * The classification of a compound statement from its parts. Transaction and session parts are
 * neutral and reads are implied by any other category; when one other category remains it is the
 * compound's, when several differ the compound is unknown (a policy cannot allow "write or ddl"
 * as one thing). A compound is never a read: when a part returns rows (a SELECT with lineage) the
 * compound is unknown, because one action cannot carry the lineage of several result sets and the
 * masker must not see rows it has no lineage for. Objects, flags and functions are kept.
 */
function merge(parts: readonly StatementClassification[], operation: string): StatementClassification {
  const objects: ObjectRef[] = [];
  const flags = new Set<Flag>();
  const functions = new Set<string>();
  const categories = new Set<Category>();
  let returnsRows = false;
  for (const part of parts) {
    if (part.category === 'read' && (part.lineage?.length ?? 0) > 0) returnsRows = true;
    objects.push(...part.objects);
    for (const flag of part.flags) flags.add(flag);
    for (const fn of part.functions ?? []) functions.add(fn);
    categories.add(part.category);
  }
  const decisive = [...categories].filter((c) => c !== 'read' && c !== 'transaction' && c !== 'session');
  let category: Category;
  if (categories.has('unknown') || returnsRows) category = 'unknown';
  else if (decisive.length === 1) category = decisive[0]!;
  else if (decisive.length > 1) category = 'unknown';
  else if (categories.has('read')) category = 'read';
  else if (categories.has('transaction')) category = 'transaction';
  else category = 'session';
  const result = statement(category, operation, dedupeObjects(objects), [...flags]);
  return functions.size > 0 ? { ...result, functions: [...functions] } : result;
}
