import type { Category, Flag, ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { classifyDdl } from './classify-ddl.js';
import { classifyDml } from './classify-dml.js';
import { qualifiedName } from './names.js';
import { findWord, readName } from './read-name.js';
import type { StatementNode } from './scanner.js';
import { scanStatements } from './scanner.js';
import type { StatementContext } from './statement-context.js';
import { dedupeObjects, parseError, statement } from './statement-context.js';

/** Classifies one statement node, and an IF/WHILE condition (classify-statement.ts). */
export interface NodeClassifiers {
  node(sc: StatementContext, node: StatementNode): StatementClassification;
  condition(sc: StatementContext, from: number, to: number): StatementClassification;
}

/**
 * CREATE / ALTER [OR ALTER] VIEW | PROCEDURE | FUNCTION | TRIGGER … AS <body>. The body is stored,
 * not run now, but it runs later under the module's name (with ownership chaining, without
 * permission checks on the tables it reads), so what it touches belongs to the definition: a deny
 * on reading `secrets` must stop `CREATE VIEW v AS SELECT * FROM secrets` as it stops the SELECT.
 * The statement stays DDL (admin when the body calls an admin routine); the body's objects and
 * flags are added. A view body the parser cannot read makes the statement unknown (it is one
 * query, like CREATE TABLE AS); a routine body part it cannot read, or a CLR body, is flagged
 * `dynamic`: what the routine runs is not visible.
 */
export function classifyModule(
  sc: StatementContext,
  from: number,
  to: number,
  classifiers: NodeClassifiers,
): StatementClassification {
  let header = classifyDdl(sc, from, to);
  if (header.category === 'unknown') return header;
  const { view } = sc;
  let at = from + 1;
  if (view.word(at) === 'OR' && view.word(at + 1) === 'ALTER') at += 2;
  const type = view.word(at);
  const as = bodyStart(sc, at + 1, to);
  if (as < 0) return parseError();
  if (type === 'VIEW') return withBody(header, [viewBody(sc, as + 1, to)], false);
  if (type === 'TRIGGER') header = { ...header, objects: [...header.objects, ...triggerTable(sc, at + 1, as)] };
  if (view.word(as + 1) === 'EXTERNAL') return withBody(header, [], true);
  const parts: StatementClassification[] = [];
  for (const node of scanStatements(view, as + 1, to)) collectParts(sc, node, classifiers, parts);
  return withBody(header, parts, false);
}

/**
 * The `AS` that starts the body: the first at parenthesis depth 0 that is not `EXECUTE AS`
 * (WITH EXECUTE AS OWNER) nor a parameter's `@p AS int`.
 */
function bodyStart(sc: StatementContext, from: number, to: number): number {
  const { view } = sc;
  let depth = 0;
  for (let k = from; k < to; k++) {
    const p = view.punct(k);
    if (p === '(') depth++;
    else if (p === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && view.word(k) === 'AS') {
      const before = view.word(k - 1);
      if (before === 'EXECUTE' || before === 'EXEC' || view.token(k - 1).kind === 'variable') continue;
      return k;
    }
  }
  return -1;
}

/** The table of `TRIGGER trg ON t` (none for DDL triggers ON DATABASE / ON ALL SERVER). */
function triggerTable(sc: StatementContext, from: number, to: number): ObjectRef[] {
  const on = findWord(sc.view, from, to, 'ON');
  const next = sc.view.word(on + 1);
  if (on < 0 || next === 'DATABASE' || next === 'ALL') return [];
  const name = readName(sc.view, on + 1, to);
  return name ? [{ name: qualifiedName(name.parts, sc.context), kind: 'table', access: 'define' }] : [];
}

/** A view body: one query, optionally followed by WITH CHECK OPTION. */
function viewBody(sc: StatementContext, from: number, to: number): StatementClassification {
  const { view } = sc;
  let end = to;
  if (view.word(to - 1) === 'OPTION' && view.word(to - 2) === 'CHECK' && view.word(to - 3) === 'WITH') end = to - 3;
  const nodes = scanStatements(view, from, end);
  const node = nodes[0];
  if (nodes.length !== 1 || node?.kind !== 'simple') return parseError();
  const head = view.word(from);
  if (head !== 'SELECT' && head !== 'WITH' && view.punct(from) !== '(') return parseError();
  const query = classifyDml(sc, from, end, 'SELECT');
  return query.category === 'read' ? query : parseError();
}

/** Leaves of a routine body, IF/WHILE conditions included; `RETURN (SELECT …)` read as a query. */
function collectParts(
  sc: StatementContext,
  node: StatementNode,
  classifiers: NodeClassifiers,
  parts: StatementClassification[],
): void {
  switch (node.kind) {
    case 'if':
    case 'while':
      parts.push(classifiers.condition(sc, node.condition.from, node.condition.to));
      for (const child of node.body) collectParts(sc, child, classifiers, parts);
      return;
    case 'block':
    case 'try':
      for (const child of node.body) collectParts(sc, child, classifiers, parts);
      return;
    case 'simple':
      if (sc.view.word(node.from) === 'RETURN' && node.to > node.from + 1) {
        parts.push(returnedQuery(sc, node.from + 1, node.to));
        return;
      }
      parts.push(classifiers.node(sc, node));
      return;
    default:
      parts.push(classifiers.node(sc, node));
  }
}

/** RETURN <expr> of a scalar function, RETURN [(] SELECT … [)] of an inline table function. */
function returnedQuery(sc: StatementContext, from: number, to: number): StatementClassification {
  const head = sc.view.word(from);
  if (head === 'SELECT' || head === 'WITH') return classifyDml(sc, from, to, 'SELECT');
  return classifyDml(sc, from, to, 'SELECT', 'SELECT ');
}

function withBody(header: StatementClassification, parts: readonly StatementClassification[], opaque: boolean): StatementClassification {
  const objects: ObjectRef[] = [...header.objects];
  const flags = new Set<Flag>(header.flags);
  const functions = new Set<string>();
  let category: Category = header.category;
  if (opaque) flags.add('dynamic');
  for (const part of parts) {
    if (part.flags.includes('parse-error')) {
      if (header.operation.endsWith(' VIEW')) return parseError();
      flags.add('dynamic');
    }
    for (const flag of part.flags) if (flag !== 'parse-error') flags.add(flag);
    objects.push(...part.objects);
    for (const fn of part.functions ?? []) functions.add(fn);
    if (part.category === 'admin') category = 'admin';
  }
  const result = statement(category, header.operation, dedupeObjects(objects), [...flags]);
  return functions.size > 0 ? { ...result, functions: [...functions] } : result;
}
