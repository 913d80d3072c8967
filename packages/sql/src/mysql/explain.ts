import type { ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import type { InnerClassifier } from './result.js';
import { classified } from './result.js';
import type { Statement } from './statement.js';

const EXPLAINABLE = new Set(['SELECT', 'WITH', 'INSERT', 'REPLACE', 'UPDATE', 'DELETE', 'TABLE', '(']);

/**
 * EXPLAIN/DESCRIBE. `DESCRIBE t` / `EXPLAIN t` show columns (read, no objects). EXPLAIN <stmt>
 * does not run it: read, the inner objects as reads. EXPLAIN ANALYZE runs it: the inner
 * statement's classification (operation too). An inner statement with side effects, or one that
 * fails to classify, is returned as is (conservative: the optimizer may evaluate constants).
 */
export function classifyExplain(stmt: Statement, inner: InnerClassifier): StatementClassification {
  let i = 1;
  for (;;) {
    const word = stmt.word(i);
    if (word === 'EXTENDED' || word === 'PARTITIONS') i++;
    else if (word === 'FORMAT' && stmt.isOperator(i + 1, '=')) i += 3;
    else break;
  }
  if (stmt.word(i) === 'ANALYZE') return classifyAnalyzeStatement(stmt, inner, i + 1);
  if (stmt.word(i) === 'FOR' && stmt.word(i + 1) === 'CONNECTION') return classified('read', 'EXPLAIN');
  const head = stmt.isPunct(i, '(') ? '(' : stmt.word(i);
  if (!EXPLAINABLE.has(head)) {
    return stmt.name(i) ? classified('read', 'DESCRIBE') : unknownStatement('parse-error');
  }
  const explained = inner(stmt.slice(i));
  if (explained.category === 'unknown' || explained.flags.some((f) => f !== 'unbounded')) return explained;
  return {
    category: 'read',
    operation: 'EXPLAIN',
    objects: asReads(explained.objects),
    flags: [],
    ...(explained.functions ? { functions: explained.functions } : {}),
  };
}

/** The inner statement's objects as reads, merged per name and kind. */
function asReads(objects: readonly ObjectRef[]): ObjectRef[] {
  const merged = new Map<string, { name: string; kind: ObjectRef['kind']; columns: Set<string> }>();
  for (const object of objects) {
    const key = `${object.kind}\u0000${object.name}`;
    const entry = merged.get(key) ?? { name: object.name, kind: object.kind, columns: new Set<string>() };
    for (const column of object.columns ?? []) entry.columns.add(column);
    merged.set(key, entry);
  }
  return [...merged.values()].map(({ name, kind, columns }) =>
    columns.size > 0 ? { name, kind, access: 'read', columns: [...columns] } : { name, kind, access: 'read' },
  );
}

/** EXPLAIN ANALYZE <stmt> (MySQL) and ANALYZE [FORMAT=…] <stmt> (MariaDB) execute the statement. */
export function classifyAnalyzeStatement(stmt: Statement, inner: InnerClassifier, from: number): StatementClassification {
  let i = from;
  if (stmt.word(i) === 'FORMAT' && stmt.isOperator(i + 1, '=')) i += 3;
  const head = stmt.isPunct(i, '(') ? '(' : stmt.word(i);
  if (!EXPLAINABLE.has(head)) return unknownStatement('parse-error');
  return inner(stmt.slice(i));
}
