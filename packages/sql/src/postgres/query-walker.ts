import type { Analysis } from './analysis.js';
import type { PgNode } from './ast.js';
import { asList, asNode, asString, stringList, unwrap } from './ast.js';
import { aliasOf, castArguments, fieldNames, mentionsRowData, outputName, peelCasts } from './expressions.js';
import { mergeSetOperation, renameColumns, unique } from './output-columns.js';
import type { Names } from './names.js';
import type { OutputColumn, Relation } from './scope.js';
import { mayHaveColumn, Scope } from './scope.js';
import { sideEffectOf } from './side-effect-functions.js';

const QUERY_NODES = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/**
 * Walks SELECT/INSERT/UPDATE/DELETE/MERGE trees once: records the tables read and written (CTE
 * names and aliases resolved, never reported as tables), the columns each touches, the functions
 * called and their side effects, and returns each query's output columns with their base sources.
 */
export class QueryWalker {
  constructor(
    private readonly analysis: Analysis,
    private readonly names: Names,
  ) {}

  /** A wrapped query node (`{ SelectStmt: … }`); returns its output columns. */
  query(node: unknown, parent?: Scope): OutputColumn[] {
    const unwrapped = unwrap(node);
    if (!unwrapped) return [];
    const [type, body] = unwrapped;
    switch (type) {
      case 'SelectStmt':
        return this.select(body, parent);
      case 'InsertStmt':
        return this.insert(body, parent);
      case 'UpdateStmt':
        return this.update(body, parent);
      case 'DeleteStmt':
        return this.delete(body, parent);
      case 'MergeStmt':
        return this.merge(body, parent);
      case 'ExecuteStmt':
        // CREATE TABLE … AS EXECUTE p: what runs is a prepared statement we cannot see.
        this.analysis.flags.add('dynamic');
        this.expr(body['params'], parent ?? new Scope());
        return [];
      default:
        this.expr(body, parent ?? new Scope());
        return [];
    }
  }

  select(s: PgNode, parent?: Scope): OutputColumn[] {
    const scope = new Scope(parent);
    this.withClause(s['withClause'], scope);
    const op = asString(s['op']);
    if (op !== undefined && op !== 'SETOP_NONE') {
      const left = this.select(asNode(s['larg']) ?? {}, scope);
      const right = this.select(asNode(s['rarg']) ?? {}, scope);
      this.expr([s['sortClause'], s['limitCount'], s['limitOffset']], scope);
      return mergeSetOperation(left, right);
    }
    const values = asList(s['valuesLists']);
    if (values.length > 0) return this.values(values, scope);
    for (const item of asList(s['fromClause'])) this.fromItem(item, scope);
    this.expr(
      [
        s['whereClause'],
        s['groupClause'],
        s['havingClause'],
        s['windowClause'],
        s['distinctClause'],
        s['sortClause'],
        s['limitCount'],
        s['limitOffset'],
      ],
      scope,
    );
    return this.targetList(s['targetList'], scope);
  }

  insert(s: PgNode, parent?: Scope): OutputColumn[] {
    const scope = new Scope(parent);
    this.withClause(s['withClause'], scope);
    const relation = asNode(s['relation']) ?? {};
    const table = this.names.relation(relation);
    const columns = asList(s['cols']).map((col) => asString(asNode(col['ResTarget'])?.['name']) ?? '?');
    this.analysis.object('write', 'table', table, columns.length > 0 ? columns : ['*']);
    if (s['selectStmt']) this.query(s['selectStmt'], scope);
    const target: Relation = { alias: aliasOf(relation), table };
    const conflict = asNode(s['onConflictClause']);
    if (conflict) {
      const conflictScope = new Scope(scope);
      conflictScope.relations.push(target, { alias: 'excluded', opaque: true });
      this.assignments(conflict['targetList'], table, conflictScope);
      this.expr([conflict['whereClause'], asNode(conflict['infer'])?.['whereClause']], conflictScope);
    }
    return this.returning(s['returningList'], target, scope);
  }

  update(s: PgNode, parent?: Scope): OutputColumn[] {
    const scope = new Scope(parent);
    this.withClause(s['withClause'], scope);
    const relation = asNode(s['relation']) ?? {};
    const table = this.names.relation(relation);
    const target: Relation = { alias: aliasOf(relation), table };
    scope.relations.push(target);
    for (const item of asList(s['fromClause'])) this.fromItem(item, scope);
    this.assignments(s['targetList'], table, scope);
    this.filter(s['whereClause'], scope);
    return this.returning(s['returningList'], target, scope);
  }

  delete(s: PgNode, parent?: Scope): OutputColumn[] {
    const scope = new Scope(parent);
    this.withClause(s['withClause'], scope);
    const relation = asNode(s['relation']) ?? {};
    const table = this.names.relation(relation);
    const target: Relation = { alias: aliasOf(relation), table };
    scope.relations.push(target);
    this.analysis.object('write', 'table', table);
    for (const item of asList(s['usingClause'])) this.fromItem(item, scope);
    this.filter(s['whereClause'], scope);
    return this.returning(s['returningList'], target, scope);
  }

  /** MERGE always has ON, so it is never unbounded; each WHEN clause adds its written columns. */
  merge(s: PgNode, parent?: Scope): OutputColumn[] {
    const scope = new Scope(parent);
    this.withClause(s['withClause'], scope);
    const relation = asNode(s['relation']) ?? {};
    const table = this.names.relation(relation);
    const target: Relation = { alias: aliasOf(relation), table };
    scope.relations.push(target);
    this.fromItem(s['sourceRelation'], scope);
    this.expr(s['joinCondition'], scope);
    this.analysis.object('write', 'table', table);
    for (const clause of asList(s['mergeWhenClauses'])) {
      const when = asNode(clause['MergeWhenClause']) ?? {};
      this.expr(when['condition'], scope);
      const command = asString(when['commandType']);
      if (command === 'CMD_UPDATE') {
        this.assignments(when['targetList'], table, scope);
      } else if (command === 'CMD_INSERT') {
        const columns = asList(when['targetList']).map((t) => asString(asNode(t['ResTarget'])?.['name']) ?? '?');
        this.analysis.object('write', 'table', table, columns.length > 0 ? columns : ['*']);
        this.expr(when['values'], scope);
      }
    }
    return this.returning(s['returningList'], target, scope);
  }

  /** A scope holding one base table (the target of COPY … WHERE), or nothing. */
  scopeFor(relation: PgNode | undefined): Scope {
    const scope = new Scope();
    if (relation) scope.relations.push({ alias: aliasOf(relation), table: this.names.relation(relation) });
    return scope;
  }

  /**
   * Walks an expression tree: column references are resolved and their base columns pushed to
   * `sink` (the sources of the output column being computed), function calls are recorded, and
   * subqueries are walked with this scope as their parent.
   */
  expr(value: unknown, scope: Scope, sink?: string[]): void {
    if (Array.isArray(value)) {
      for (const item of value) this.expr(item, scope, sink);
      return;
    }
    const node = asNode(value);
    if (!node) return;
    for (const key in node) {
      const child = node[key];
      if (child === null || typeof child !== 'object') continue;
      if (key === 'ColumnRef') this.columnRef(child as PgNode, scope, sink);
      else if (key === 'FuncCall') this.funcCall(child as PgNode, scope, sink);
      else if (key === 'SubLink') this.subLink(child as PgNode, scope, sink);
      else if (QUERY_NODES.has(key)) this.query({ [key]: child }, scope);
      else this.expr(child, scope, sink);
    }
  }

  /** Resolves a column reference; returns whether it is one source column itself. */
  private columnRef(ref: PgNode, scope: Scope, sink?: string[]): boolean {
    const fields = fieldNames(ref['fields']);
    const last = fields.at(-1);
    if (last === undefined) return false;
    if (last === '*') {
      for (const column of this.star(fields, scope)) sink?.push(...column.sources);
      return false;
    }
    let candidates: Relation[] = [];
    let wholeRow: Relation | undefined;
    if (fields.length === 1) {
      // `row_to_json(u)`: a bare relation name is the whole row. (The server prefers a column of
      // that name if one exists; the whole row covers it too, so masking can only over-reach.)
      wholeRow = scope.find(last);
      for (let level: Scope | undefined = scope; level && !wholeRow; level = level.parent) {
        candidates = level.relations.filter((relation) => mayHaveColumn(relation, last));
        if (candidates.length > 0) break;
      }
    } else {
      const relation = scope.find(fields.at(-2)!);
      if (relation) candidates = [relation];
    }
    let direct = candidates.length === 1 && !wholeRow;
    for (const candidate of candidates) {
      if (!this.columnSources(candidate, last, sink)) direct = false;
    }
    if (wholeRow) for (const column of this.starOf(wholeRow)) sink?.push(...column.sources);
    return direct;
  }

  /** Pushes the base sources of `relation.column`; returns whether the value is passed through as is. */
  private columnSources(relation: Relation, column: string, sink?: string[]): boolean {
    if (relation.table !== undefined && !relation.columns) {
      this.analysis.column('read', 'table', relation.table, column);
      sink?.push(`${relation.table}.${column}`);
      return true;
    }
    if (relation.members) {
      let direct = true;
      for (const member of relation.members) {
        if (mayHaveColumn(member, column) && !this.columnSources(member, column, sink)) direct = false;
      }
      return direct;
    }
    if (relation.opaque) return false;
    let direct = false;
    for (const output of relation.columns ?? []) {
      if (output.name === column && !output.star) {
        sink?.push(...output.sources);
        direct = output.direct;
      } else if (output.star) {
        for (const source of output.sources) sink?.push(`${source.slice(0, -1)}${column}`);
        direct = true;
      }
    }
    return direct;
  }

  /** `*` or `rel.*`: the output columns it expands to. */
  private star(fields: readonly string[], scope: Scope): OutputColumn[] {
    if (fields.length === 1) return scope.relations.flatMap((relation) => this.starOf(relation));
    const relation = scope.find(fields.at(-2)!);
    return relation ? this.starOf(relation) : [];
  }

  private starOf(relation: Relation): OutputColumn[] {
    if (relation.members) return relation.members.flatMap((member) => this.starOf(member));
    if (relation.columns) return [...relation.columns];
    if (relation.table !== undefined) {
      this.analysis.column('read', 'table', relation.table, '*');
      return [{ name: '*', sources: [`${relation.table}.*`], direct: true, star: true }];
    }
    return [];
  }

  private funcCall(call: PgNode, scope: Scope, sink?: string[]): void {
    const name = (stringList(call['funcname']).at(-1) ?? '').toLowerCase();
    this.analysis.functions.add(name.toUpperCase());
    const effect = sideEffectOf(name, asList(call['args']).length);
    if (effect) {
      this.analysis.flags.add('side-effect-function');
      this.analysis.raise(effect.category);
      if (effect.fileAccess) this.analysis.flags.add('file-access');
      if (effect.dynamic) this.analysis.flags.add('dynamic');
      if (effect.securitySetting) this.analysis.flags.add('security-setting');
      if (effect.privilegeSwitch) this.analysis.flags.add('privilege-switch');
    }
    this.expr([call['args'], call['agg_order'], call['agg_filter'], call['over']], scope, sink);
  }

  private subLink(link: PgNode, scope: Scope, sink?: string[]): void {
    this.expr(link['testexpr'], scope, sink);
    const outputs = this.query(link['subselect'], scope);
    const type = asString(link['subLinkType']);
    if (sink && (type === 'EXPR_SUBLINK' || type === 'ARRAY_SUBLINK')) {
      for (const output of outputs) sink.push(...output.sources);
    }
  }

  private fromItem(item: unknown, scope: Scope): void {
    const unwrapped = unwrap(item);
    if (!unwrapped) return;
    const [type, body] = unwrapped;
    switch (type) {
      case 'RangeVar':
        scope.relations.push(this.rangeVar(body, scope));
        return;
      case 'RangeSubselect': {
        // Subqueries see the FROM items before them (LATERAL) and the CTEs of this level.
        const outputs = this.query(body['subquery'], scope);
        const alias = asNode(body['alias']);
        scope.relations.push({
          alias: asString(alias?.['aliasname']) ?? '',
          columns: renameColumns(outputs, stringList(alias?.['colnames'])),
        });
        return;
      }
      case 'JoinExpr': {
        const before = scope.relations.length;
        this.fromItem(body['larg'], scope);
        this.fromItem(body['rarg'], scope);
        const members = scope.relations.slice(before);
        const joined: Relation = { alias: '', members };
        for (const column of stringList(body['usingClause'])) this.columnSources(joined, column);
        this.expr(body['quals'], scope);
        const alias = asString(asNode(body['alias'])?.['aliasname']);
        if (alias !== undefined) scope.relations.push({ alias, members });
        return;
      }
      case 'RangeFunction': {
        this.expr(body['functions'], scope);
        const first = asNode(asList(asNode(asList(body['functions'])[0]?.['List'])?.['items'])[0]?.['FuncCall']);
        const alias =
          asString(asNode(body['alias'])?.['aliasname']) ?? stringList(first?.['funcname']).at(-1) ?? '';
        scope.relations.push({ alias, opaque: true });
        return;
      }
      case 'RangeTableSample':
        this.fromItem(body['relation'], scope);
        this.expr([body['args'], body['repeatable']], scope);
        return;
      default: {
        // XMLTABLE, JSON_TABLE and anything newer: walk it, expose its alias with no base sources.
        this.expr(body, scope);
        const alias = asString(asNode(body['alias'])?.['aliasname']);
        if (alias !== undefined) scope.relations.push({ alias, opaque: true });
      }
    }
  }

  private rangeVar(body: PgNode, scope: Scope): Relation {
    const relname = asString(body['relname']) ?? '';
    const alias = asNode(body['alias']);
    const visible = asString(alias?.['aliasname']) ?? relname;
    if (body['schemaname'] === undefined) {
      const cte = scope.cte(relname);
      if (cte === 'pending') return { alias: visible, opaque: true };
      if (cte) return { alias: visible, columns: renameColumns(cte, stringList(alias?.['colnames'])) };
    }
    const table = this.names.relation(body);
    this.analysis.object('read', 'table', table);
    const renamed = stringList(alias?.['colnames']);
    if (renamed.length > 0) {
      // `t AS x(a, b)` renames columns by position; which base column each is, we cannot tell.
      this.analysis.column('read', 'table', table, '*');
      return {
        alias: visible,
        table,
        columns: renamed.map((name) => ({ name, sources: [`${table}.*`], direct: false })),
      };
    }
    return { alias: visible, table };
  }

  private withClause(value: unknown, scope: Scope): void {
    const clause = asNode(value);
    if (!clause) return;
    const recursive = clause['recursive'] === true;
    for (const item of asList(clause['ctes'])) {
      const cte = asNode(item['CommonTableExpr']);
      if (!cte) continue;
      const name = asString(cte['ctename']) ?? '';
      if (recursive) scope.ctes.set(name, 'pending');
      // Every CTE body runs (a data-modifying CTE runs even when nothing references it).
      const outputs = this.query(cte['ctequery'], scope);
      scope.ctes.set(name, renameColumns(outputs, stringList(cte['aliascolnames'])));
    }
  }

  private values(rows: readonly PgNode[], scope: Scope): OutputColumn[] {
    const sinks: string[][] = [];
    for (const row of rows) {
      asList(asNode(row['List'])?.['items']).forEach((item, index) => {
        const sink = (sinks[index] ??= []);
        this.expr(item, scope, sink);
      });
    }
    return sinks.map((sources, index) => ({ name: `column${index + 1}`, sources, direct: false }));
  }

  private targetList(list: unknown, scope: Scope): OutputColumn[] {
    const outputs: OutputColumn[] = [];
    for (const item of asList(list)) {
      const target = asNode(item['ResTarget']);
      if (!target) continue;
      const value = target['val'];
      const ref = asNode(asNode(value)?.['ColumnRef']);
      if (ref && fieldNames(ref['fields']).at(-1) === '*') {
        outputs.push(...this.star(fieldNames(ref['fields']), scope));
        continue;
      }
      const sources: string[] = [];
      const passThrough = peelCasts(value);
      const direct = passThrough
        ? this.columnRef(passThrough, scope, sources)
        : (this.expr(value, scope, sources), false);
      if (passThrough) this.expr(castArguments(value), scope, sources);
      outputs.push({ name: asString(target['name']) ?? outputName(value), sources: unique(sources), direct });
    }
    return outputs;
  }

  /** SET a = …: written columns of the target; the values are reads in scope. */
  private assignments(list: unknown, table: string, scope: Scope): void {
    const columns: string[] = [];
    for (const item of asList(list)) {
      const target = asNode(item['ResTarget']);
      if (!target) continue;
      columns.push(asString(target['name']) ?? '?');
      this.expr([target['val'], target['indirection']], scope);
    }
    this.analysis.object('write', 'table', table, columns);
  }

  /** WHERE of UPDATE/DELETE: absent or constant (`WHERE true`, `WHERE 1 = 1`) means every row. */
  private filter(where: unknown, scope: Scope): void {
    if (where === undefined || !mentionsRowData(where)) this.analysis.flags.add('unbounded');
    this.expr(where, scope);
  }

  private returning(list: unknown, target: Relation, scope: Scope): OutputColumn[] {
    if (asList(list).length === 0) return [];
    const returningScope = new Scope(scope);
    returningScope.relations.push(target);
    return this.targetList(list, returningScope);
  }
}
