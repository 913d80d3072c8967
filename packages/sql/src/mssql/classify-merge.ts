import type { ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { classifyDml, withHazards } from './classify-dml.js';
import { findHazards } from './hazards.js';
import { qualifiedName } from './names.js';
import { afterParens, countWord, findWord, readName } from './read-name.js';
import type { StatementContext } from './statement-context.js';
import { parseError, statement } from './statement-context.js';

/**
 * MERGE [TOP (n)] [INTO] target [WITH (hints)] [[AS] alias] USING source ON … WHEN …
 * node-sql-parser cannot read T-SQL MERGE, so this is lexical: a write on the target, a read on
 * the source (a table, or a subquery analysed by the parser). ON is required, so never unbounded.
 * A SELECT anywhere but in the USING subquery (e.g. in a WHEN condition) is not followed: unknown.
 */
export function classifyMerge(sc: StatementContext, from: number, to: number): StatementClassification {
  const { view } = sc;
  let at = from + 1;
  if (view.word(at) === 'TOP') at = afterParens(view, at + 1, to);
  if (view.word(at) === 'INTO') at++;
  const target = readName(view, at, to);
  if (!target) return parseError();
  const using = findWord(view, target.next, to, 'USING');
  if (using < 0 || findWord(view, using, to, 'ON') < 0) return parseError();

  const objects: ObjectRef[] = [{ name: qualifiedName(target.parts, sc.context), kind: 'table', access: 'write' }];
  let sourceSelects = 0;
  if (view.punct(using + 1) === '(') {
    const close = afterParens(view, using + 1, to);
    if (view.word(using + 2) === 'SELECT') {
      const inner = classifyDml(sc, using + 2, close - 1, 'SELECT');
      if (inner.category === 'unknown') return parseError();
      objects.push(...inner.objects);
      sourceSelects = countWord(view, using + 2, close - 1, 'SELECT');
    } else if (view.word(using + 2) !== 'VALUES') {
      return parseError();
    }
  } else {
    const source = readName(view, using + 1, to);
    if (!source) return parseError();
    objects.push({ name: qualifiedName(source.parts, sc.context), kind: 'table', access: 'read' });
  }
  if (countWord(view, from, to, 'SELECT') !== sourceSelects) return parseError();

  // OUTPUT … INTO dbo.log writes a second table.
  const output = findWord(view, using, to, 'OUTPUT');
  if (output >= 0) {
    const into = findWord(view, output, to, 'INTO');
    const name = into >= 0 ? readName(view, into + 1, to) : undefined;
    if (name) objects.push({ name: qualifiedName(name.parts, sc.context), kind: 'table', access: 'write' });
  }
  return withHazards(statement('write', 'MERGE', objects), findHazards(view, from, to), 'MERGE');
}
