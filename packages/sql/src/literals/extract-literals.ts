import type { AuditLiteralBinding, SqlDialect } from '@gatehouse/core';
import type { Token } from '../lexer/token.js';
import { qualifiedName } from '../mssql/names.js';
import { decodeStringLiteral } from './literal-decoding.js';
import { LiteralLayouts } from './literal-layouts.js';
import { statementTokens } from './statement-tokens.js';

export interface LiteralContext {
  readonly database?: string;
  readonly schema?: string;
}

/** Words after which a table name follows. */
const TABLE_INTRODUCERS = new Set(['FROM', 'JOIN', 'UPDATE', 'INTO', 'USING']);
/** Words that end a table reference: never an alias. */
const NOT_ALIAS = new Set([
  'WHERE', 'SET', 'ON', 'USING', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'NATURAL', 'GROUP', 'ORDER',
  'LIMIT', 'OFFSET', 'HAVING', 'UNION', 'INTERSECT', 'EXCEPT', 'VALUES', 'VALUE', 'SELECT', 'RETURNING', 'WINDOW',
  'FOR', 'LATERAL', 'OUTER', 'DEFAULT', 'OUTPUT', 'WITH', 'AS', 'FETCH', 'TABLESAMPLE', 'PARTITION', 'STRAIGHT_JOIN',
  'USE', 'FORCE', 'IGNORE', 'OPTION', 'WHEN', 'THEN', 'MATCHED', 'TOP', 'ONLY',
]);
/** What may follow a literal that is a whole operand (not `x = 1 + y`). */
const OPERAND_END_WORDS = new Set(['AND', 'OR', 'ORDER', 'GROUP', 'LIMIT', 'RETURNING', 'WHERE', 'OFFSET', 'HAVING', 'UNION', 'FOR', 'COLLATE', 'FROM', 'ESCAPE', 'OUTPUT', 'OPTION', 'THEN', 'WHEN', 'ELSE', 'END']);

interface TableRef {
  readonly name: string;
  readonly alias?: string;
}

/** What one literal-or-parameter operand holds; undefined when it is not a single literal/param. */
type Operand = { readonly value: unknown } | { readonly position: number };

/**
 * Literals a statement compares with or writes to a known column, for the audit trail's keyed
 * digests ("who touched this record?"): `col = lit`, `lit = col`, `col IN (lit, …)`, INSERT column
 * lists with VALUES rows, and UPDATE `SET col = lit`. Bind parameters ($1, ?, @p1) give a binding
 * with `position` and an undefined `value` for the adapter to fill from the bound values.
 * Columns are resolved through the statement's aliases; an unqualified column is bound only when
 * one table is in play (or it is assigned in UPDATE … SET). Read from the lexer's tokens, so it
 * never fails: what it cannot attribute with confidence it leaves out. Values are never logged.
 */
export function extractLiteralBindings(text: string, dialect: SqlDialect, context: LiteralContext = {}): AuditLiteralBinding[] {
  // A plain PostgreSQL statement of a shape seen before: its shape's bindings with this text's literals.
  if (dialect === 'postgres') return postgresLayouts.bindings(text, `${context.database ?? ''}\u0000${context.schema ?? ''}`, (probe) => extractFromTokens(probe, dialect, context));
  return extractFromTokens(text, dialect, context);
}

const postgresLayouts = new LiteralLayouts();

/** The full path, from the lexer's tokens statement by statement (what a shape's layout must agree with). */
export function extractFromTokens(text: string, dialect: SqlDialect, context: LiteralContext): AuditLiteralBinding[] {
  const statements = statementTokens(text, dialect);
  if (!statements) return [];
  const out: AuditLiteralBinding[] = [];
  const params = { ordinal: 0 };
  for (const tokens of statements) new StatementLiterals(text, dialect, context, tokens, params, out).run();
  return out;
}

class StatementLiterals {
  private readonly tables: TableRef[] = [];
  private ambiguous = false;
  private updateTarget: TableRef | undefined;
  private insertTarget: TableRef | undefined;

  constructor(
    private readonly text: string,
    private readonly dialect: SqlDialect,
    private readonly context: LiteralContext,
    private readonly tokens: readonly Token[],
    private readonly params: { ordinal: number },
    private readonly out: AuditLiteralBinding[],
  ) {}

  run(): void {
    this.collectTables();
    const parameterPositions = this.parameterPositions();
    let inSet = false;
    for (let i = 0; i < this.tokens.length; i++) {
      const word = this.word(i);
      if (word === 'SET' && this.updateTarget) inSet = true;
      else if (word === 'WHERE' || word === 'FROM') inSet = false;
      if (word === 'VALUES' || word === 'VALUE') this.insertValues(i, parameterPositions);
      if (this.raw(i) === '=' && this.tokens[i]!.kind === 'operator') this.comparison(i, inSet, parameterPositions);
      if (word === 'IN' && this.raw(i + 1) === '(') this.inList(i, parameterPositions);
    }
  }

  // ---- tables --------------------------------------------------------------------------------

  private collectTables(): void {
    for (let i = 0; i < this.tokens.length; i++) {
      const word = this.word(i);
      if (!TABLE_INTRODUCERS.has(word)) continue;
      let parsed = this.tableAt(i + 1);
      if (!parsed) {
        // A derived table or function: its columns are unknown, so unqualified names stay unbound.
        this.ambiguous = true;
        continue;
      }
      if (word === 'UPDATE' && !this.updateTarget) this.updateTarget = parsed.ref;
      if (word === 'INTO' && !this.insertTarget) this.insertTarget = parsed.ref;
      this.tables.push(parsed.ref);
      // FROM a, b, c
      while (parsed && this.raw(parsed.next) === ',' && (word === 'FROM' || word === 'USING')) {
        parsed = this.tableAt(parsed.next + 1);
        if (parsed) this.tables.push(parsed.ref);
        else this.ambiguous = true;
      }
    }
  }

  /** `name[.name…] [[AS] alias]` at i (after ONLY in PostgreSQL). */
  private tableAt(start: number): { ref: TableRef; next: number } | undefined {
    let i = start;
    if (this.word(i) === 'ONLY') i++;
    const parts: string[] = [];
    for (;;) {
      const part = this.identifier(i);
      if (part === undefined) return undefined;
      parts.push(part);
      if (this.raw(i + 1) !== '.') break;
      i += 2;
    }
    i++;
    let alias: string | undefined;
    if (this.word(i) === 'AS') i++;
    const candidate = this.identifier(i);
    if (candidate !== undefined && !NOT_ALIAS.has(this.word(i)) && this.raw(i + 1) !== '(') {
      alias = candidate;
      i++;
    }
    return { ref: { name: this.qualify(parts), ...(alias !== undefined ? { alias } : {}) }, next: i };
  }

  private qualify(parts: readonly string[]): string {
    switch (this.dialect) {
      case 'postgres': {
        const name = parts.at(-1) ?? '?';
        const schema = parts.length >= 2 ? parts.at(-2)! : (this.context.schema ?? 'public');
        const database = parts.length >= 3 ? parts.at(-3)! : (this.context.database ?? '?');
        return `${database}.${schema}.${name}`;
      }
      case 'mysql':
        return `${parts.length >= 2 ? parts.at(-2)! : (this.context.database ?? '?')}.${parts.at(-1) ?? '?'}`;
      case 'mssql':
        return qualifiedName(parts, { dialect: 'mssql', ...this.context });
    }
  }

  /** The table a column reference ending at token `last` belongs to, when certain. */
  private tableOfColumn(qualifier: string | undefined, assigned: boolean): TableRef | undefined {
    if (qualifier !== undefined) {
      const fold = (s: string) => (this.dialect === 'postgres' ? s : s.toLowerCase());
      const q = fold(qualifier);
      return this.tables.find((t) => t.alias !== undefined && fold(t.alias) === q) ?? this.tables.find((t) => t.alias === undefined && fold(t.name.split('.').at(-1)!) === q);
    }
    if (assigned && this.updateTarget) return this.updateTarget;
    const distinct = new Set(this.tables.map((t) => t.name));
    return distinct.size === 1 && !this.ambiguous ? this.tables[0] : undefined;
  }

  // ---- patterns ------------------------------------------------------------------------------

  private comparison(eq: number, inSet: boolean, positions: ReadonlyMap<number, number>): void {
    const left = this.columnEndingAt(eq - 1);
    const right = left ? this.operandAt(eq + 1, positions) : undefined;
    if (left && right) {
      this.bind(left, right, inSet);
      return;
    }
    const column = this.columnStartingAt(eq + 1);
    const operand = column ? this.operandEndingAt(eq - 1, positions) : undefined;
    if (column && operand) this.bind(column, operand, false);
  }

  private inList(inWord: number, positions: ReadonlyMap<number, number>): void {
    const column = this.columnEndingAt(inWord - 1);
    if (!column) return;
    const operands: Operand[] = [];
    let i = inWord + 2;
    for (;;) {
      const operand = this.singleOperand(i, positions);
      if (!operand) return;
      operands.push(operand.operand);
      i = operand.next;
      if (this.raw(i) === ')') break;
      if (this.raw(i) !== ',') return;
      i++;
    }
    for (const operand of operands) this.bind(column, operand, false);
  }

  private insertValues(valuesWord: number, positions: ReadonlyMap<number, number>): void {
    const target = this.insertTarget;
    if (!target) return;
    const columns = this.insertColumns();
    if (!columns) return;
    let i = valuesWord + 1;
    while (this.raw(i) === '(') {
      i++;
      for (let c = 0; ; c++) {
        const operand = this.singleOperand(i, positions);
        if (operand && columns[c] !== undefined) this.emit(target, columns[c]!, operand.operand);
        // Skip to the end of this item, whatever it is.
        let depth = 0;
        while (i < this.tokens.length && !(depth === 0 && (this.raw(i) === ',' || this.raw(i) === ')'))) {
          if (this.raw(i) === '(') depth++;
          else if (this.raw(i) === ')') depth--;
          i++;
        }
        if (this.raw(i) === ')') break;
        i++;
      }
      i++;
      if (this.raw(i) !== ',') return;
      i++;
    }
  }

  /** `INSERT INTO t (a, b)`: the column list, or undefined when absent. */
  private insertColumns(): string[] | undefined {
    const into = this.tokens.findIndex((_, i) => this.word(i) === 'INTO');
    const table = into >= 0 ? this.tableAt(into + 1) : undefined;
    if (!table || this.raw(table.next) !== '(') return undefined;
    const columns: string[] = [];
    for (let i = table.next + 1; i < this.tokens.length; i += 2) {
      const name = this.identifier(i);
      if (name === undefined) return undefined;
      columns.push(name);
      if (this.raw(i + 1) === ')') return columns;
      if (this.raw(i + 1) !== ',') return undefined;
    }
    return undefined;
  }

  // ---- pieces --------------------------------------------------------------------------------

  /** A column reference `[q.]col` ending at token `last` (not a function result or a literal). */
  private columnEndingAt(last: number): { qualifier?: string; column: string } | undefined {
    const column = this.identifier(last);
    if (column === undefined || this.isKeywordish(last)) return undefined;
    if (this.raw(last - 1) === '.') {
      const qualifier = this.identifier(last - 2);
      if (qualifier === undefined) return undefined;
      // `db.t.col`: the table part is the qualifier that aliases resolve.
      return this.raw(last - 3) === '.' ? undefined : { qualifier, column };
    }
    return { column };
  }

  private columnStartingAt(first: number): { qualifier?: string; column: string } | undefined {
    if (this.identifier(first) === undefined || this.isKeywordish(first)) return undefined;
    let end = first;
    if (this.raw(first + 1) === '.' && this.identifier(first + 2) !== undefined) end = first + 2;
    if (this.raw(end + 1) === '.' || this.raw(end + 1) === '(') return undefined;
    if (!this.operandEnds(end + 1)) return undefined;
    return this.columnEndingAt(end);
  }

  private operandAt(i: number, positions: ReadonlyMap<number, number>): Operand | undefined {
    const single = this.singleOperand(i, positions);
    return single && this.operandEnds(single.next) ? single.operand : undefined;
  }

  private operandEndingAt(last: number, positions: ReadonlyMap<number, number>): Operand | undefined {
    const startsAt = this.raw(last - 1) === '-' && this.tokens[last]!.kind === 'number' ? last - 1 : last;
    const before = this.raw(startsAt - 1);
    if (this.tokens[startsAt - 1]?.kind === 'operator' && before !== '=') return undefined;
    const single = this.singleOperand(startsAt, positions);
    return single && single.next === last + 1 ? single.operand : undefined;
  }

  /** One literal (optionally negative number, optionally `::type` in PostgreSQL) or one parameter. */
  private singleOperand(i: number, positions: ReadonlyMap<number, number>): { operand: Operand; next: number } | undefined {
    const token = this.tokens[i];
    if (!token) return undefined;
    let operand: Operand | undefined;
    let next = i + 1;
    if (token.kind === 'number') operand = { value: this.raw(i) };
    else if (this.raw(i) === '-' && this.tokens[i + 1]?.kind === 'number') {
      operand = { value: `-${this.raw(i + 1)}` };
      next = i + 2;
    } else if (token.kind === 'string') {
      const value = decodeStringLiteral(this.dialect, this.raw(i));
      if (value === undefined) return undefined;
      operand = { value };
    } else if (token.kind === 'param' || (token.kind === 'variable' && this.dialect === 'mssql')) {
      const position = positions.get(i);
      if (position === undefined) return undefined;
      operand = { position };
    }
    if (!operand) return undefined;
    if (this.dialect === 'postgres' && this.raw(next) === '::' && this.identifier(next + 1) !== undefined) next += 2;
    return { operand, next };
  }

  /** Whether token i closes an operand: end, `)`, `,`, `;`, or a clause/boolean keyword. */
  private operandEnds(i: number): boolean {
    if (i >= this.tokens.length) return true;
    const raw = this.raw(i);
    return raw === ')' || raw === ',' || raw === ';' || OPERAND_END_WORDS.has(this.word(i));
  }

  /** 1-based parameter positions by token index: $n as written, `?` by order, @pN by name. */
  private parameterPositions(): Map<number, number> {
    const positions = new Map<number, number>();
    this.tokens.forEach((token, i) => {
      const raw = this.raw(i);
      if (token.kind === 'param') {
        if (raw === '?') positions.set(i, ++this.params.ordinal);
        else if (/^\$\d+$/.test(raw)) positions.set(i, Number(raw.slice(1)));
      } else if (token.kind === 'variable' && this.dialect === 'mssql') {
        const match = /^@p(\d+)$/i.exec(raw);
        if (match) positions.set(i, Number(match[1]));
      }
    });
    return positions;
  }

  private bind(column: { qualifier?: string; column: string }, operand: Operand, assigned: boolean): void {
    const table = this.tableOfColumn(column.qualifier, assigned);
    if (table) this.emit(table, column.column, operand);
  }

  private emit(table: TableRef, column: string, operand: Operand): void {
    this.out.push('position' in operand ? { object: table.name, column, position: operand.position, value: undefined } : { object: table.name, column, value: operand.value });
  }

  private identifier(i: number): string | undefined {
    const token = this.tokens[i];
    if (!token) return undefined;
    if (token.kind === 'quoted-ident') return token.value ?? '';
    if (token.kind !== 'word') return undefined;
    const raw = this.raw(i);
    return this.dialect === 'postgres' ? raw.toLowerCase() : raw;
  }

  private isKeywordish(i: number): boolean {
    return this.tokens[i]?.kind === 'word' && (NOT_ALIAS.has(this.word(i)) || OPERAND_END_WORDS.has(this.word(i)) || ['NULL', 'TRUE', 'FALSE', 'NOT', 'IS'].includes(this.word(i)));
  }

  private raw(i: number): string {
    const token = this.tokens[i];
    return token ? this.text.slice(token.start, token.end) : '';
  }

  private word(i: number): string {
    return this.tokens[i]?.kind === 'word' ? this.raw(i).toUpperCase() : '';
  }
}
