import type { TokenKind } from './token.js';

/**
 * The tokens of one statement (comments already left out), as a dialect sees them. Positions are
 * 0-based within the statement; past the end every accessor answers `undefined` or ''.
 */
export interface ShapeTokens {
  readonly length: number;
  kind(i: number): TokenKind | undefined;
  /** Upper-case text of a word token, '' for any other token. */
  word(i: number): string;
  /** An identifier as the parser names it: a word as written, a quoted identifier unquoted. */
  name(i: number): string | undefined;
  /** The text of a punct or operator token, '' for any other token. */
  symbol(i: number): string;
}

/** What differs between dialects in the simple grammar. */
export interface ShapeRules {
  /** An unquoted word that must never be read as a name here (keywords, niladic functions …). */
  isReservedWord(upper: string): boolean;
  /** `LIMIT n [OFFSET m]` / `LIMIT m, n` after the query (MySQL) or `TOP n` / `TOP (n)` before the list (T-SQL). */
  readonly rowLimit: 'limit' | 'top';
  /** Most dotted parts of a table name (MySQL db.table: 2; T-SQL db.schema.table: 3). */
  readonly maxNameParts: number;
  /** Variables stand for values (T-SQL sp_executesql parameters `@p1`); in MySQL they may be system variables. */
  readonly variablesAreValues: boolean;
}

/** One select-list entry: a plain column (`output` is its alias or its name) or a star. */
export interface SimpleSelectItem {
  /** The column read, `*` for a star. */
  readonly column: string;
  /** The output name: alias, else the column name; `*` for a star. */
  readonly output: string;
}

export interface SimpleAssignment {
  readonly column: string;
  /** Columns the new value reads (`balance - 1` reads balance), in text order. */
  readonly reads: readonly string[];
}

/**
 * Column names are as the parser would report them (aliases resolved: every qualifier names the
 * one table); lists are in text order. `where` is null when the statement has no WHERE.
 */
export type SimpleShape =
  | {
      readonly kind: 'select';
      readonly table: readonly string[];
      readonly items: readonly SimpleSelectItem[];
      readonly where: readonly string[] | null;
      /** ORDER BY columns as written: `qualified` ones can never name a select-list alias. */
      readonly orderBy: ReadonlyArray<{ readonly column: string; readonly qualified: boolean }>;
    }
  | { readonly kind: 'insert'; readonly table: readonly string[]; readonly columns: readonly string[] }
  | {
      readonly kind: 'update';
      readonly table: readonly string[];
      readonly assignments: readonly SimpleAssignment[];
      readonly where: readonly string[] | null;
    }
  | { readonly kind: 'delete'; readonly table: readonly string[]; readonly where: readonly string[] | null };

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const COMPARISONS: ReadonlySet<string> = new Set(['=', '<>', '!=', '<', '>', '<=', '>=']);

/**
 * Thrown inside the recognizer on the first token outside the simple grammar; never escapes. One
 * instance, so leaving the grammar costs no stack capture on the way to the parser.
 */
class OutsideGrammar extends Error {}
const OUTSIDE = new OutsideGrammar('outside the simple grammar');

/**
 * An exact recognizer for the commonest OLTP shapes, in front of the parser:
 *
 * - `SELECT [TOP n] col [[AS] alias] | t.col | * | t.*, … FROM table [[AS] alias]
 *   [WHERE cond {AND|OR cond}] [ORDER BY col [ASC|DESC], …] [LIMIT n [OFFSET m] | LIMIT m, n]`
 * - `INSERT INTO table (col, …) VALUES (value, …), …`
 * - `UPDATE table SET col = value | col | col {+|-} value, … [WHERE …]`
 * - `DELETE FROM table [WHERE …]`
 *
 * where cond is `col {= <> != < > <= >=} value`, `col [NOT] IN (value, …)`, `col IS [NOT] NULL`,
 * `col [NOT] BETWEEN value AND value` or `col [NOT] LIKE value`, and a value is a literal, a
 * placeholder or NULL. Anything else — a function, a subquery, parentheses, a keyword where a
 * name should be, a qualifier naming no table, a hint, INTO, FOR UPDATE … — returns null and the
 * caller takes the full parser path: this never guesses.
 */
export function recognizeSimpleShape(tokens: ShapeTokens, rules: ShapeRules): SimpleShape | null {
  try {
    const reader = new ShapeReader(tokens, rules);
    const shape = reader.statement();
    return reader.atEnd() ? shape : null;
  } catch (error) {
    if (error instanceof OutsideGrammar) return null;
    throw error;
  }
}

class ShapeReader {
  private at = 0;
  /** The name qualifiers may use: the table's alias, else its last name part (lower case). */
  private qualifier = '';

  constructor(
    private readonly tokens: ShapeTokens,
    private readonly rules: ShapeRules,
  ) {}

  atEnd(): boolean {
    return this.at === this.tokens.length;
  }

  statement(): SimpleShape {
    switch (this.tokens.word(this.at++)) {
      case 'SELECT':
        return this.select();
      case 'INSERT':
        return this.insert();
      case 'UPDATE':
        return this.update();
      case 'DELETE':
        this.expectWord('FROM');
        return { kind: 'delete', table: this.table(false), where: this.where() };
      default:
        throw OUTSIDE;
    }
  }

  private select(): SimpleShape {
    if (this.rules.rowLimit === 'top' && this.acceptWord('TOP')) this.topCount();
    // The select list refers to the table named after it: read the list, resolve it afterwards.
    const listStart = this.at;
    while (this.tokens.word(this.at) !== 'FROM') {
      if (this.at >= this.tokens.length) throw OUTSIDE;
      this.at++;
    }
    const listEnd = this.at;
    this.at++;
    const table = this.table(true);
    const afterTable = this.at;
    this.at = listStart;
    const items = this.selectList(listEnd);
    this.at = afterTable;
    const where = this.where();
    const orderBy: Array<{ column: string; qualified: boolean }> = [];
    if (this.acceptWord('ORDER')) {
      this.expectWord('BY');
      do {
        const qualified = this.tokens.symbol(this.at + 1) === '.';
        orderBy.push({ column: this.columnRef(), qualified });
        if (!this.acceptWord('ASC')) this.acceptWord('DESC');
      } while (this.acceptSymbol(','));
    }
    if (this.rules.rowLimit === 'limit' && this.acceptWord('LIMIT')) {
      this.count();
      if (this.acceptWord('OFFSET') || this.acceptSymbol(',')) this.count();
    }
    return { kind: 'select', table, items, where, orderBy };
  }

  private selectList(end: number): SimpleSelectItem[] {
    const items: SimpleSelectItem[] = [];
    for (;;) {
      if (this.acceptSymbol('*')) {
        items.push({ column: '*', output: '*' });
      } else if (this.tokens.symbol(this.at + 1) === '.' && this.tokens.symbol(this.at + 2) === '*') {
        this.checkQualifier(this.name());
        this.at += 2;
        items.push({ column: '*', output: '*' });
      } else {
        const column = this.columnRef();
        const alias = this.alias();
        items.push({ column, output: alias ?? column });
      }
      if (this.at === end) return items;
      this.expectSymbol(',');
    }
  }

  private insert(): SimpleShape {
    this.expectWord('INTO');
    const table = this.table(false);
    const columns: string[] = [];
    this.expectSymbol('(');
    do columns.push(this.name());
    while (this.acceptSymbol(','));
    this.expectSymbol(')');
    this.expectWord('VALUES');
    do {
      this.expectSymbol('(');
      do this.value();
      while (this.acceptSymbol(','));
      this.expectSymbol(')');
    } while (this.acceptSymbol(','));
    return { kind: 'insert', table, columns };
  }

  private update(): SimpleShape {
    const table = this.table(false);
    this.expectWord('SET');
    const assignments: SimpleAssignment[] = [];
    do {
      const column = this.name();
      this.expectSymbol('=');
      assignments.push({ column, reads: this.newValue() });
    } while (this.acceptSymbol(','));
    return { kind: 'update', table, assignments, where: this.where() };
  }

  /** `value`, `col` or `col {+|-} value`: the columns read. */
  private newValue(): string[] {
    if (!this.isNameAt(this.at) || this.tokens.symbol(this.at + 1) === '.') {
      this.value();
      return [];
    }
    const column = this.name();
    const op = this.tokens.symbol(this.at);
    if (op === '+' || op === '-') {
      this.at++;
      this.value();
    }
    return [column];
  }

  /** A table name and, when allowed, its alias; sets the qualifier columns may use. */
  private table(aliasAllowed: boolean): string[] {
    const parts = [this.name()];
    while (this.acceptSymbol('.')) {
      if (parts.length === this.rules.maxNameParts) throw OUTSIDE;
      parts.push(this.name());
    }
    const alias = aliasAllowed ? this.alias() : undefined;
    this.qualifier = (alias ?? parts.at(-1)!).toLowerCase();
    return parts;
  }

  /** `AS name` or a bare name. */
  private alias(): string | undefined {
    if (this.acceptWord('AS')) return this.name();
    return this.isNameAt(this.at) ? this.name() : undefined;
  }

  /** WHERE cond {AND|OR cond}: the columns compared, in text order; null without WHERE. */
  private where(): string[] | null {
    if (!this.acceptWord('WHERE')) return null;
    const columns: string[] = [];
    do columns.push(this.condition());
    while (this.acceptWord('AND') || this.acceptWord('OR'));
    return columns;
  }

  private condition(): string {
    const column = this.columnRef();
    const op = this.tokens.symbol(this.at);
    if (COMPARISONS.has(op)) {
      this.at++;
      this.value();
      return column;
    }
    if (this.acceptWord('IS')) {
      this.acceptWord('NOT');
      this.expectWord('NULL');
      return column;
    }
    this.acceptWord('NOT');
    if (this.acceptWord('IN')) {
      this.expectSymbol('(');
      do this.value();
      while (this.acceptSymbol(','));
      this.expectSymbol(')');
    } else if (this.acceptWord('BETWEEN')) {
      this.value();
      this.expectWord('AND');
      this.value();
    } else {
      this.expectWord('LIKE');
      this.value();
    }
    return column;
  }

  /** `col` or `qualifier.col`: the column name. */
  private columnRef(): string {
    const first = this.name();
    if (!this.acceptSymbol('.')) return first;
    this.checkQualifier(first);
    return this.name();
  }

  private checkQualifier(qualifier: string): void {
    // A qualifier naming anything but the one table is resolved differently by each parser walker.
    if (qualifier.toLowerCase() !== this.qualifier) throw OUTSIDE;
  }

  /** A literal, a placeholder, NULL, or a negative number. */
  private value(): void {
    const kind = this.tokens.kind(this.at);
    if (this.tokens.symbol(this.at) === '-' && this.tokens.kind(this.at + 1) === 'number') {
      this.at += 2;
      return;
    }
    if (
      kind === 'number' ||
      kind === 'string' ||
      kind === 'param' ||
      (kind === 'variable' && this.rules.variablesAreValues) ||
      this.tokens.word(this.at) === 'NULL'
    ) {
      this.at++;
      return;
    }
    throw OUTSIDE;
  }

  /** A row count: a number or a placeholder. */
  private count(): void {
    const kind = this.tokens.kind(this.at);
    // Not a T-SQL variable: node-sql-parser misreads `TOP (@n)`.
    if (kind !== 'number' && kind !== 'param') throw OUTSIDE;
    this.at++;
  }

  private topCount(): void {
    if (this.acceptSymbol('(')) {
      this.count();
      this.expectSymbol(')');
    } else {
      this.count();
    }
  }

  private isNameAt(i: number): boolean {
    const kind = this.tokens.kind(i);
    const name = this.tokens.name(i);
    if (name === undefined || !PLAIN_NAME.test(name)) return false;
    if (kind === 'quoted-ident') return true;
    return kind === 'word' && !this.rules.isReservedWord(this.tokens.word(i));
  }

  private name(): string {
    if (!this.isNameAt(this.at)) throw OUTSIDE;
    return this.tokens.name(this.at++)!;
  }

  private acceptWord(word: string): boolean {
    if (this.tokens.word(this.at) !== word) return false;
    this.at++;
    return true;
  }

  private expectWord(word: string): void {
    if (!this.acceptWord(word)) throw OUTSIDE;
  }

  private acceptSymbol(symbol: string): boolean {
    if (this.tokens.symbol(this.at) !== symbol) return false;
    this.at++;
    return true;
  }

  private expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) throw OUTSIDE;
  }
}
