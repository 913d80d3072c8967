import type { ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import { bodyStatement } from './body-pieces.js';
import { mergeViews } from './merge-views.js';
import type { MysqlParser } from './parser.js';
import { parseQuery } from './query.js';
import type { InnerClassifier } from './result.js';
import { atLeast, ref } from './result.js';
import { Statement } from './statement.js';
import { classifyDo } from './statements.js';

/*
 * What a definition reads besides the object it defines. A deny on reading `secrets` must stop
 * `CREATE VIEW v AS SELECT * FROM secrets`, a trigger that copies it, or a table that references
 * or copies it, as it stops the SELECT itself.
 */

/**
 * CREATE/ALTER VIEW v [(cols)] AS <query> [WITH [CASCADED | LOCAL] CHECK OPTION]: the query's
 * reads (`from` is the position after the view's name). Null when the query cannot be read: the
 * caller fails closed, as for CREATE TABLE … SELECT.
 */
export function viewReads(stmt: Statement, from: number, parser: MysqlParser): ObjectRef[] | null {
  let as = from;
  if (stmt.isPunct(as, '(')) as = afterParens(stmt, as);
  if (stmt.word(as) !== 'AS') return null;
  let end = stmt.length;
  if (stmt.word(end - 1) === 'OPTION' && stmt.word(end - 2) === 'CHECK') {
    end -= 2;
    if (stmt.word(end - 1) === 'CASCADED' || stmt.word(end - 1) === 'LOCAL') end--;
    if (stmt.word(end - 1) !== 'WITH') return null;
    end--;
  }
  const parsed = parseQuery(stmt, as + 1, parser, end);
  if (!parsed || parsed.operation !== 'SELECT') return null;
  return parsed.analysis.objects.filter((object) => object.access === 'read');
}

/**
 * Tables a CREATE/ALTER TABLE names besides its own: `LIKE t` / `(LIKE t)` copies t's definition,
 * `REFERENCES t` makes every insert check t's key (an existence oracle on t's rows), and a MERGE
 * table's `UNION = (t1, t2)` reads their rows under its own name: reads.
 */
export function tableReferences(stmt: Statement, from: number): ObjectRef[] {
  const objects: ObjectRef[] = [];
  for (let i = from; i < stmt.length; i++) {
    const word = stmt.word(i);
    if (word === 'UNION') {
      let k = stmt.isOperator(i + 1, '=') ? i + 2 : i + 1;
      // `… SELECT … UNION (SELECT …)` of CREATE TABLE … SELECT is a set operation, not a table list.
      if (!stmt.isPunct(k, '(') || QUERY_WORDS.has(stmt.word(k + 1)) || stmt.isPunct(k + 1, '(')) continue;
      for (let name = stmt.name(k + 1); name; name = stmt.isPunct(k, ',') ? stmt.name(k + 1) : null) {
        objects.push(ref('read', 'table', stmt.qualify(name.parts)));
        k = name.next;
      }
      continue;
    }
    if (word !== 'LIKE' && word !== 'REFERENCES') continue;
    // LIKE is also a string comparison (CHECK (a LIKE 'x%')): only `LIKE name` right after the
    // table name or its opening parenthesis copies a table.
    if (word === 'LIKE' && !(i === from || (i === from + 1 && stmt.isPunct(from, '(')))) continue;
    const name = stmt.name(i + 1);
    if (name) objects.push(ref('read', 'table', stmt.qualify(name.parts)));
  }
  return objects;
}

const QUERY_WORDS = new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']);

/** Storage engines whose rows live elsewhere (another server, a file, a remote query): unseen. */
const REMOTE_ENGINES = new Set(['FEDERATED', 'FEDERATEDX', 'CONNECT', 'SPIDER']);

/** ENGINE = FEDERATED / CONNECT / SPIDER: the table reads whatever its connection string names. */
export function usesRemoteEngine(stmt: Statement, from: number): boolean {
  for (let i = from; i < stmt.length; i++) {
    if (stmt.word(i) !== 'ENGINE') continue;
    const at = stmt.isOperator(i + 1, '=') ? i + 2 : i + 1;
    const token = stmt.tokens[at];
    if (token && REMOTE_ENGINES.has((token.value ?? stmt.raw(at)).toUpperCase())) return true;
  }
  return false;
}

/** Words that start a stored program's body when it is not BEGIN … END. */
const BODY_STARTERS = new Set([
  'RETURN',
  'SELECT',
  'WITH',
  'INSERT',
  'REPLACE',
  'UPDATE',
  'DELETE',
  'SET',
  'CALL',
  'DO',
  'IF',
  'CASE',
  'WHILE',
  'LOOP',
  'REPEAT',
  'TRUNCATE',
  'DROP',
  'CREATE',
  'ALTER',
  'RENAME',
  'GRANT',
  'REVOKE',
  'PREPARE',
  'EXECUTE',
  'DEALLOCATE',
  'LOAD',
  'LOCK',
  'UNLOCK',
  'KILL',
  'FLUSH',
  'SIGNAL',
  'RESIGNAL',
  'START',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'BEGIN',
  'HANDLER',
  'ANALYZE',
  'OPTIMIZE',
  'REPAIR',
  'CHECKSUM',
  'CHECK',
  'DECLARE',
  'FETCH',
  'OPEN',
  'CLOSE',
  'LEAVE',
  'ITERATE',
  'INSTALL',
  'UNINSTALL',
  'RESET',
  'PURGE',
  'SHOW',
  'EXPLAIN',
  'DESCRIBE',
  'TABLE',
  'VALUES',
  'USE',
  'XA',
]);

/**
 * Where the body of CREATE TRIGGER / PROCEDURE / FUNCTION / EVENT (or ALTER EVENT … DO) starts,
 * `from` being the position after the object's name; -1 when there is none or it cannot be found.
 */
export function routineBodyStart(stmt: Statement, kind: 'TRIGGER' | 'PROCEDURE' | 'FUNCTION' | 'EVENT', from: number): number {
  if (kind === 'EVENT') {
    const doAt = stmt.findTopWord(new Set(['DO']), from);
    return doAt < 0 ? -1 : doAt + 1;
  }
  let i = from;
  if (kind === 'TRIGGER') {
    const row = stmt.findTopWord(new Set(['ROW']), from);
    if (row < 0) return -1;
    i = row + 1;
    // FOLLOWS | PRECEDES other_trigger
    if (stmt.word(i) === 'FOLLOWS' || stmt.word(i) === 'PRECEDES') i = (stmt.name(i + 1)?.next ?? i + 1);
    return i < stmt.length ? i : -1;
  }
  // PROCEDURE/FUNCTION: the parameter list, then RETURNS type and characteristics.
  if (!stmt.isPunct(i, '(')) return -1;
  i = afterParens(stmt, i);
  for (; i < stmt.length; i++) {
    const word = stmt.word(i);
    // A label (`lbl: BEGIN`) starts the body too.
    if (stmt.isOperator(i + 1, ':') && (stmt.tokens[i]?.kind === 'word' || stmt.tokens[i]?.kind === 'quoted-ident')) return i;
    if (!BODY_STARTERS.has(word)) continue;
    // RETURNS VARCHAR(10) CHARACTER SET utf8mb4: SET of a character set, not a statement.
    if (word === 'SET' && stmt.word(i - 1) === 'CHARACTER') continue;
    return i;
  }
  return -1;
}

/**
 * The body of a stored program whose first statement is not BEGIN … END: that statement (up to
 * the first `;`, the rest are body pieces read by withBodyPieces) classified and merged into the
 * definition. `RETURN expr` is read as `SELECT expr`. A body statement that cannot be read makes
 * the definition unknown, as in withBodyPieces; a dynamic one (PREPARE, EXECUTE) flags it.
 */
export function withRoutineBody(
  stmt: Statement,
  whole: StatementClassification,
  start: number,
  parser: MysqlParser,
  inner: InnerClassifier,
): StatementClassification {
  if (start < 0) return unknownStatement('parse-error');
  // BEGIN … END (labelled or not): its statements are the body pieces withBodyPieces reads.
  if (stmt.word(start) === 'BEGIN' || (stmt.isOperator(start + 1, ':') && stmt.word(start + 2) === 'BEGIN')) return whole;
  let end = start;
  while (end < stmt.length && !stmt.isPunct(end, ';')) end++;
  const piece = new Statement(stmt.text, stmt.tokens.slice(start, end), stmt.context);
  let result: StatementClassification;
  if (piece.word(0) === 'RETURN') result = classifyDo(piece, parser);
  else {
    const body = bodyStatement(piece);
    if (!body) return whole;
    result = body.word(0) === 'RETURN' ? classifyDo(body, parser) : inner(body);
  }
  if (result.category === 'unknown') {
    if (!result.flags.includes('dynamic') || result.flags.includes('parse-error')) return unknownStatement('parse-error');
    return { ...whole, flags: [...new Set([...whole.flags, 'dynamic' as const])] };
  }
  const { lineage: _lineage, ...withoutLineage } = result;
  const merged = mergeViews([whole, withoutLineage]);
  const keepWhole = atLeast(merged.category, whole.category) === whole.category;
  return {
    ...merged,
    category: keepWhole ? whole.category : merged.category,
    operation: keepWhole ? whole.operation : merged.operation,
  };
}

/** Position after the `)` matching the `(` at `open` (the end when unbalanced). */
function afterParens(stmt: Statement, open: number): number {
  let depth = 0;
  for (let i = open; i < stmt.length; i++) {
    if (stmt.isPunct(i, '(')) depth++;
    else if (stmt.isPunct(i, ')') && --depth === 0) return i + 1;
  }
  return stmt.length;
}
