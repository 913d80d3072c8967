import type { ColumnLineage, ObjectRef } from '@gatehouse/core';
import type { AstNode } from './ast-node.js';
import { asArray, asNode, nameOf, selectOf, unescapeName } from './ast-node.js';
import { ObjectAccumulator } from './object-accumulator.js';
import type { DerivedColumns, ScopeSource } from './scope.js';
import { Scope, derivedColumnSources, derivedStarSources } from './scope.js';

/** A table reference as written; the dialect turns it into its dotted object name. */
export interface NspTableName {
  readonly db: string | null;
  readonly schema: string | null;
  readonly table: string;
}

export interface NspOptions {
  /** Dotted object name for a table reference, with the dialect's defaults for missing parts. */
  qualify(ref: NspTableName): string;
}

/** One `SELECT … INTO` target: keyword upper-cased (`OUTFILE`, `DUMPFILE`, `VAR`, …). */
export interface NspInto {
  readonly keyword: string;
  /** Dotted name when the target is a table (T-SQL `SELECT … INTO t`). */
  readonly table?: string;
}

export interface NspAnalysis {
  readonly objects: ObjectRef[];
  /** Output columns of a top-level SELECT; empty for DML. */
  readonly lineage: ColumnLineage[];
  /** Function names called anywhere, upper-cased, last name part only. */
  readonly functions: string[];
  readonly into: NspInto[];
  /** `FOR UPDATE`, `LOCK IN SHARE MODE`, … as the parser reports it, for the top-level SELECT. */
  readonly lockingRead: string | null;
  /** For top-level UPDATE/DELETE: whether a WHERE exists and how many column references it holds. */
  readonly where: { readonly present: boolean; readonly columnRefs: number } | null;
  /** AST shapes the walker did not understand; callers should fail closed when non-empty. */
  readonly unsupported: string[];
}

interface SelectResult {
  readonly derived: DerivedColumns;
  readonly lineage: ColumnLineage[];
}

type Aliases = ReadonlyMap<string, readonly string[]>;

const BOOKKEEPING = new Set(['loc', 'tableList', 'columnList']);
/** Select keys walked explicitly; every other key is walked generically for reads. */
const SELECT_HANDLED = new Set([
  ...BOOKKEEPING,
  'type',
  'with',
  'from',
  'columns',
  'into',
  '_next',
  'set_op',
  'groupby',
  'having',
  'orderby',
  'locking_read',
]);

/**
 * Objects, columns, lineage and function calls of one node-sql-parser statement AST
 * (select, insert, replace, update, delete). CTE names and aliases are resolved, never reported
 * as tables. Other statement types come back with `unsupported` set.
 */
export function analyzeStatement(ast: unknown, options: NspOptions): NspAnalysis {
  return new Analyzer(options).statement(asNode(ast));
}

class Analyzer {
  private readonly acc = new ObjectAccumulator();
  private readonly functions = new Set<string>();
  private readonly into: NspInto[] = [];
  private readonly unsupported: string[] = [];

  constructor(private readonly options: NspOptions) {}

  statement(ast: AstNode | undefined): NspAnalysis {
    let lineage: ColumnLineage[] = [];
    let where: NspAnalysis['where'] = null;
    let lockingRead: string | null = null;
    switch (ast?.type) {
      case 'select':
        lineage = this.select(ast, undefined, new Map()).lineage;
        lockingRead = typeof ast.locking_read === 'string' ? ast.locking_read : null;
        break;
      case 'insert':
      case 'replace':
        this.insert(ast);
        break;
      case 'update':
        where = this.update(ast);
        break;
      case 'delete':
        where = this.delete(ast);
        break;
      default:
        this.unsupported.push(`statement ${String(ast?.type)}`);
    }
    return {
      objects: this.acc.toRefs(),
      lineage,
      functions: [...this.functions],
      into: this.into,
      lockingRead,
      where,
      unsupported: this.unsupported,
    };
  }

  // ---- statements -------------------------------------------------------------------------

  private select(ast: AstNode, parent: Scope | undefined, outerCtes: ReadonlyMap<string, DerivedColumns>): SelectResult {
    const ctes = this.withClause(ast.with, parent, outerCtes);
    const scope = new Scope(parent, ctes);
    this.from(ast.from, scope);

    const lineage: ColumnLineage[] = [];
    const columns: Array<{ name: string; sources: string[] }> = [];
    const star: string[] = [];
    let positionKnown = true;
    const items = ast.columns === '*' ? [{ expr: { type: 'column_ref', table: null, column: '*' } }] : asArray(ast.columns);
    items.forEach((raw, index) => {
      const item = asNode(raw);
      const expr = item && 'expr' in item ? item.expr : raw;
      const sink = new Set<string>();
      this.expr(expr, scope, sink);
      const sources = [...sink];
      if (isStar(expr)) {
        lineage.push({ output: '*', ...(positionKnown ? { position: index } : {}), sources, direct: true });
        star.push(...sources);
        positionKnown = false;
        return;
      }
      // A string alias reaches the walker as a blank placeholder (literals are masked): call it '?'.
      const alias = nameOf(item?.as);
      const output = alias !== null ? (alias.trim() ? alias : '?') : (columnName(expr) ?? '?');
      lineage.push({ output, ...(positionKnown ? { position: index } : {}), sources, direct: isDirect(expr) });
      columns.push({ name: output, sources });
    });

    const aliases: Aliases = new Map(columns.map((c) => [c.name.toLowerCase(), c.sources]));
    const groupby = asNode(ast.groupby);
    this.expr(groupby && 'columns' in groupby ? groupby.columns : ast.groupby, scope, null, aliases);
    this.expr(ast.having, scope, null, aliases);
    this.expr(ast.orderby, scope, null, aliases);
    this.selectInto(ast.into);
    for (const key in ast) if (!SELECT_HANDLED.has(key)) this.expr(ast[key], scope, null);

    const next = selectOf(ast._next);
    if (next) {
      const branch = this.select(next, parent, ctes);
      mergeBranch(lineage, columns, star, branch);
    }
    return { derived: { columns, star }, lineage };
  }

  private insert(ast: AstNode): void {
    const ctes = this.withClause(ast.with, undefined, new Map());
    const scope = new Scope(undefined, ctes);
    const target = asNode(asArray(ast.table)[0]);
    const table = target ? nameOf(target.table) : null;
    if (!target || !table) {
      this.unsupported.push('insert target');
      return;
    }
    const base = this.qualify(target, table);
    scope.sources.push({ alias: nameOf(target.as) ?? table, base });
    this.acc.touch('write', 'table', base);
    for (const column of asArray(ast.columns)) {
      const name = nameOf(column) ?? columnName(column);
      if (name) this.acc.add('write', 'table', base, unescapeName(name));
    }
    const values = asNode(ast.values);
    const source = selectOf(values) ?? selectOf(ast.select);
    if (source) this.select(source, undefined, ctes);
    else this.expr(values?.values ?? ast.values, scope, null);
    this.assignments(ast.set, scope, base);
    this.assignments(asNode(ast.on_duplicate_update)?.set, scope, base);
    this.expr(ast.returning, scope, null);
  }

  private update(ast: AstNode): NspAnalysis['where'] {
    const ctes = this.withClause(ast.with, undefined, new Map());
    const scope = new Scope(undefined, ctes);
    this.from(ast.table, scope);
    for (const raw of asArray(ast.set)) {
      const item = asNode(raw);
      const column = item ? nameOf(item.column) : null;
      if (!item || !column) continue;
      const qualifier = nameOf(item.table);
      const targets = qualifier ? [scope.findAlias(qualifier)] : scope.sources;
      for (const target of targets) this.writeColumn(target, unescapeName(column));
      this.expr(item.value, scope, null);
    }
    this.expr(ast.where, scope, null);
    this.expr(ast.orderby, scope, null);
    this.expr(ast.returning, scope, null);
    this.acc.dropEmptyReadsOfWritten();
    return whereInfo(ast.where);
  }

  private delete(ast: AstNode): NspAnalysis['where'] {
    const ctes = this.withClause(ast.with, undefined, new Map());
    const scope = new Scope(undefined, ctes);
    this.from(ast.from, scope);
    for (const raw of asArray(ast.table)) {
      const item = asNode(raw);
      const table = item ? nameOf(item.table) : null;
      if (!item || !table) continue;
      const db = nameOf(item.db);
      const source = db ? undefined : scope.findAlias(table);
      if (source?.derived) this.unsupported.push('delete from derived table');
      this.acc.touch('write', 'table', source?.base ?? this.qualify(item, table));
    }
    this.expr(ast.where, scope, null);
    this.expr(ast.orderby, scope, null);
    this.expr(ast.returning, scope, null);
    this.acc.dropEmptyReadsOfWritten();
    return whereInfo(ast.where);
  }

  // ---- clauses ------------------------------------------------------------------------------

  private withClause(
    value: unknown,
    parent: Scope | undefined,
    outer: ReadonlyMap<string, DerivedColumns>,
  ): ReadonlyMap<string, DerivedColumns> {
    const items = asArray(value);
    if (items.length === 0) return outer;
    const ctes = new Map(outer);
    for (const raw of items) {
      const item = asNode(raw);
      const name = item ? nameOf(item.name) : null;
      const body = item ? (selectOf(item.stmt) ?? selectOf(asNode(item.stmt)?.ast)) : undefined;
      if (!item || !name || !body) {
        this.unsupported.push('cte');
        continue;
      }
      const key = unescapeName(name).toLowerCase();
      ctes.set(key, { columns: [], star: [] }); // a recursive CTE refers to itself: never a table
      const derived = this.select(body, parent, ctes).derived;
      const renamed = asArray(item.columns).map((c) => nameOf(c) ?? columnName(c));
      ctes.set(
        key,
        renamed.length > 0
          ? { columns: derived.columns.map((c, i) => ({ name: renamed[i] ?? c.name, sources: c.sources })), star: derived.star }
          : derived,
      );
    }
    return ctes;
  }

  private from(value: unknown, scope: Scope): void {
    const conditions: unknown[] = [];
    for (const raw of asArray(value)) {
      const item = asNode(raw);
      if (!item || item.type === 'dual') continue;
      const sub = selectOf(item.expr);
      const table = nameOf(item.table);
      if (sub) {
        const derived = this.select(sub, scope, scope.ctes).derived;
        scope.sources.push({ alias: nameOf(item.as) ?? '', derived });
      } else if (table) {
        const alias = nameOf(item.as) ?? table;
        const cte = item.db || item.schema ? undefined : scope.ctes.get(unescapeName(table).toLowerCase());
        if (cte) {
          scope.sources.push({ alias, derived: cte });
        } else {
          const base = this.qualify(item, table);
          this.acc.touch('read', 'table', base);
          scope.sources.push({ alias, base });
        }
      } else {
        this.unsupported.push('from item');
        this.expr(item.expr, scope, null);
      }
      if (item.on) conditions.push(item.on);
      for (const using of asArray(item.using)) {
        const column = nameOf(using) ?? columnName(using);
        if (column) for (const source of scope.sources) this.columnOf(source, unescapeName(column), null);
      }
    }
    for (const condition of conditions) this.expr(condition, scope, null);
  }

  private selectInto(value: unknown): void {
    const into = asNode(value);
    if (!into || typeof into.keyword !== 'string') return;
    const target = asNode(into.expr);
    const table = target ? nameOf(target.table) : null;
    this.into.push(
      target && table ? { keyword: into.keyword.toUpperCase(), table: this.qualify(target, table) } : { keyword: into.keyword.toUpperCase() },
    );
  }

  private assignments(value: unknown, scope: Scope, base: string): void {
    for (const raw of asArray(value)) {
      const item = asNode(raw);
      const column = item ? nameOf(item.column) : null;
      if (!item || !column) continue;
      this.acc.add('write', 'table', base, unescapeName(column));
      this.expr(item.value, scope, null);
    }
  }

  private writeColumn(target: ScopeSource | undefined, column: string): void {
    if (target?.base) this.acc.add('write', 'table', target.base, column);
    else if (target?.derived) this.unsupported.push('write through derived table');
  }

  // ---- expressions --------------------------------------------------------------------------

  /**
   * Records reads and function calls under `value`; adds lineage sources to `sink` when given.
   * Unknown node types are walked generically, so nothing nested is missed.
   */
  private expr(value: unknown, scope: Scope, sink: Set<string> | null, aliases?: Aliases): void {
    if (Array.isArray(value)) {
      for (const item of value) this.expr(item, scope, sink, aliases);
      return;
    }
    const node = asNode(value);
    if (!node) return;
    const sub = selectOf(node);
    if (sub) {
      const derived = this.select(sub, scope, scope.ctes).derived;
      if (sink) for (const source of derivedStarSources(derived)) sink.add(source);
      return;
    }
    if (node.type === 'column_ref') {
      this.columnRef(node, scope, sink, aliases);
      return;
    }
    if (node.type === 'function' || node.type === 'aggr_func') this.functionName(node.name);
    for (const key in node) {
      if (BOOKKEEPING.has(key)) continue;
      // Window specs order and partition rows; they are read but do not flow into the value.
      this.expr(node[key], scope, key === 'over' ? null : sink, aliases);
    }
  }

  private columnRef(node: AstNode, scope: Scope, sink: Set<string> | null, aliases?: Aliases): void {
    const rawColumn = nameOf(node.column);
    if (!rawColumn) return;
    const column = unescapeName(rawColumn);
    const rawTable = nameOf(node.table);
    const table = rawTable ? unescapeName(rawTable) : null;
    const db = nameOf(node.db) ?? nameOf(node.schema);
    if (table) {
      const source = db ? undefined : scope.findAlias(table);
      const resolved = source ?? { alias: table, base: this.options.qualify({ db, schema: null, table }) };
      if (column === '*') this.starOf(resolved, sink);
      else this.columnOf(resolved, column, sink);
      return;
    }
    if (column === '*') {
      for (const source of innermostSources(scope)) this.starOf(source, sink);
      return;
    }
    const alias = aliases?.get(column.toLowerCase());
    if (alias) {
      if (sink) for (const source of alias) sink.add(source);
      return;
    }
    for (const source of scope.candidatesFor(column)) this.columnOf(source, column, sink);
  }

  private columnOf(source: ScopeSource, column: string, sink: Set<string> | null): void {
    if (source.base) {
      this.acc.add('read', 'table', source.base, column);
      sink?.add(`${source.base}.${column}`);
    } else if (source.derived && sink) {
      for (const s of derivedColumnSources(source.derived, column)) sink.add(s);
    }
  }

  private starOf(source: ScopeSource, sink: Set<string> | null): void {
    if (source.base) {
      this.acc.add('read', 'table', source.base, '*');
      sink?.add(`${source.base}.*`);
    } else if (source.derived && sink) {
      for (const s of derivedStarSources(source.derived)) sink.add(s);
    }
  }

  private functionName(value: unknown): void {
    if (typeof value === 'string') {
      this.functions.add(value.toUpperCase());
      return;
    }
    const parts = asArray(asNode(value)?.name);
    const last = nameOf(parts.at(-1));
    if (last) this.functions.add(last.toUpperCase());
  }

  private qualify(node: AstNode, table: string): string {
    const db = nameOf(node.db);
    const schema = nameOf(node.schema);
    return this.options.qualify({
      db: db ? unescapeName(db) : null,
      schema: schema ? unescapeName(schema) : null,
      table: unescapeName(table),
    });
  }
}

function innermostSources(scope: Scope): ScopeSource[] {
  for (let s: Scope | undefined = scope; s; s = s.parent) if (s.sources.length > 0) return s.sources;
  return [];
}

function isStar(expr: unknown): boolean {
  const node = asNode(expr);
  return node?.type === 'column_ref' && nameOf(node.column) === '*';
}

function columnName(expr: unknown): string | null {
  const node = asNode(expr);
  if (node?.type !== 'column_ref') return null;
  const name = nameOf(node.column);
  return name ? unescapeName(name) : null;
}

/** A value passed through unchanged: a column, or a cast of one. */
function isDirect(expr: unknown): boolean {
  const node = asNode(expr);
  if (!node) return false;
  if (node.type === 'column_ref') return true;
  if (node.type === 'cast') return isDirect(node.expr);
  return false;
}

/** UNION/INTERSECT/EXCEPT: a position's sources are those of every branch. */
function mergeBranch(
  lineage: ColumnLineage[],
  columns: Array<{ name: string; sources: string[] }>,
  star: string[],
  branch: SelectResult,
): void {
  branch.lineage.forEach((entry, i) => {
    const mine = lineage[i];
    if (!mine) {
      lineage.push(entry);
      return;
    }
    lineage[i] = {
      ...mine,
      sources: [...new Set([...mine.sources, ...entry.sources])],
      direct: mine.direct && entry.direct,
    };
    const column = columns.find((c) => c.name === mine.output);
    if (column) column.sources = [...new Set([...column.sources, ...entry.sources])];
  });
  star.push(...branch.derived.star);
}

function whereInfo(where: unknown): { present: boolean; columnRefs: number } {
  if (where === null || where === undefined) return { present: false, columnRefs: 0 };
  let columnRefs = 0;
  const stack: unknown[] = [where];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...value);
    const node = asNode(value);
    if (!node) continue;
    if (node.type === 'column_ref') columnRefs++;
    for (const key in node) if (!BOOKKEEPING.has(key)) stack.push(node[key]);
  }
  return { present: true, columnRefs };
}
