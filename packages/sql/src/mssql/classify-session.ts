import type { StatementClassification } from '../dialect-module.js';
import { classifyDml } from './classify-dml.js';
import { findHazards } from './hazards.js';
import { countWord, findWord } from './read-name.js';
import type { StatementContext } from './statement-context.js';
import { parseError, statement } from './statement-context.js';

/**
 * SET: `SET @v = <expr>` (a read when the expression holds a subquery), or a session option
 * (NOCOUNT, ANSI_NULLS, TRANSACTION ISOLATION LEVEL, IDENTITY_INSERT, ROWCOUNT …): session.
 */
export function classifySet(sc: StatementContext, from: number, to: number): StatementClassification {
  const { view } = sc;
  if (from + 1 >= to) return parseError();
  if (view.token(from + 1).kind === 'variable') {
    const op = view.punct(from + 2);
    if (!op.endsWith('=')) {
      // SET @cursor = CURSOR FOR SELECT … declares a cursor over a query.
      return parseError();
    }
    return assignment(sc, from + 3, to, 'SET');
  }
  if (countWord(view, from, to, 'SELECT') > 0 || findHazards(view, from, to).category) return parseError();
  return statement('session', 'SET');
}

/**
 * DECLARE: variables (session; a read when an initialiser holds a subquery) or a cursor
 * (DECLARE c CURSOR … FOR SELECT …: a read of the cursor's query).
 */
export function classifyDeclare(sc: StatementContext, from: number, to: number): StatementClassification {
  const { view } = sc;
  const cursor = findWord(view, from, to, 'CURSOR');
  if (cursor >= 0) {
    const select = findWord(view, cursor, to, 'SELECT');
    if (select < 0 || view.word(select - 1) !== 'FOR') return parseError();
    // Cut the cursor options after the query: FOR UPDATE [OF …] / FOR READ ONLY.
    let end = to;
    for (let k = select + 1; k < to; k++) {
      const next = view.word(k + 1);
      if (view.word(k) === 'FOR' && (next === 'UPDATE' || next === 'READ')) {
        end = k;
        break;
      }
    }
    const inner = classifyDml(sc, select, end, 'SELECT');
    return inner.category === 'read' ? { ...inner, operation: 'DECLARE CURSOR' } : inner;
  }
  const equals = findPunct(sc, from, to, '=');
  if (equals < 0) return statement('session', 'DECLARE');
  return assignment(sc, equals + 1, to, 'DECLARE');
}

/** The right-hand side of SET @v = … / DECLARE @v type = …, parsed as `SELECT <expr>`. */
function assignment(sc: StatementContext, from: number, to: number, operation: string): StatementClassification {
  const { view } = sc;
  if (from >= to) return parseError();
  const hazards = findHazards(view, from, to);
  if (countWord(view, from, to, 'SELECT') === 0 && !hazards.category) {
    // Only literals, variables and scalar functions: nothing read from tables.
    return statement('session', operation);
  }
  const inner = classifyDml(sc, from, to, 'SELECT', 'SELECT ');
  if (inner.category === 'unknown') return inner;
  const { lineage: _lineage, ...rest } = inner;
  return { ...rest, operation };
}

function findPunct(sc: StatementContext, from: number, to: number, punct: string): number {
  let depth = 0;
  for (let k = from; k < to; k++) {
    const p = sc.view.punct(k);
    if (p === '(') depth++;
    else if (p === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && p === punct) return k;
  }
  return -1;
}
