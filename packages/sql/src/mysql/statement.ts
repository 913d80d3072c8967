import type { ClassifyContext } from '../dialect-module.js';
import type { StatementRange } from '../lexer/statement-ranges.js';
import type { Token } from '../lexer/token.js';

/**
 * One statement as the server executes it: comments dropped and executable-comment markers
 * removed (their content kept), so `SELECT 1 /*!50000 , SLEEP(5) *\/` is seen as
 * `SELECT 1 , SLEEP(5)`.
 */
export class Statement {
  constructor(
    readonly text: string,
    /** Effective tokens: no comments, no executable-comment markers. */
    readonly tokens: readonly Token[],
    readonly context: ClassifyContext,
  ) {}

  /** The statement in `range`, without the token indexes in `dropped` (see executableViews). */
  static fromRange(
    text: string,
    all: readonly Token[],
    range: StatementRange,
    context: ClassifyContext,
    dropped?: ReadonlySet<number>,
  ): Statement {
    const tokens: Token[] = [];
    for (let i = range.firstToken; i < range.endToken; i++) {
      const token = all[i]!;
      if (dropped?.has(i)) continue;
      if (token.kind !== 'comment' && token.kind !== 'exec-comment-start' && token.kind !== 'exec-comment-end') {
        tokens.push(token);
      }
    }
    return new Statement(text, tokens, context);
  }

  /** The statement from effective token `from` on (EXPLAIN <stmt>, SET STATEMENT … FOR <stmt>). */
  slice(from: number): Statement {
    return new Statement(this.text, this.tokens.slice(from), this.context);
  }

  get length(): number {
    return this.tokens.length;
  }

  /** Upper-case text of token `i` when it is an unquoted word, else ''. */
  word(i: number): string {
    const token = this.tokens[i];
    return token?.kind === 'word' ? this.text.slice(token.start, token.end).toUpperCase() : '';
  }

  raw(i: number): string {
    const token = this.tokens[i];
    return token ? this.text.slice(token.start, token.end) : '';
  }

  isPunct(i: number, ch: string): boolean {
    const token = this.tokens[i];
    return token?.kind === 'punct' && this.text[token.start] === ch;
  }

  isOperator(i: number, op: string): boolean {
    const token = this.tokens[i];
    return token?.kind === 'operator' && this.text.slice(token.start, token.end) === op;
  }

  /** Index of the first word in `words` at parenthesis depth 0 from `from`, or -1. */
  findTopWord(words: ReadonlySet<string>, from = 0): number {
    let depth = 0;
    for (let i = from; i < this.tokens.length; i++) {
      if (this.isPunct(i, '(')) depth++;
      else if (this.isPunct(i, ')')) depth--;
      else if (depth === 0 && words.has(this.word(i))) return i;
    }
    return -1;
  }

  /** Index of the first word equal to `word` anywhere from `from`, or -1. */
  findWord(word: string, from = 0): number {
    for (let i = from; i < this.tokens.length; i++) if (this.word(i) === word) return i;
    return -1;
  }

  /** Upper-case word sequence test at `i`: `hasWords(0, 'START', 'TRANSACTION')`. */
  hasWords(i: number, ...words: string[]): boolean {
    return words.every((w, k) => this.word(i + k) === w);
  }

  /**
   * Text for the parser from effective token `from` to the end: comments and markers become
   * spaces, every literal becomes a same-length placeholder (`'  '`, `0  `), so the AST holds no
   * literal value and the parser cannot read quoting differently from the lexer.
   */
  parseText(from = 0, to = this.tokens.length): string {
    if (from >= to) return '';
    let out = '';
    let previousEnd = this.tokens[from]!.start;
    let previousKind = '';
    for (let i = from; i < to; i++) {
      const token = this.tokens[i]!;
      // Adjacent operators get a space so `1 --x` (minus minus x) cannot become a comment to the parser.
      out += previousEnd < token.start || (previousKind === 'operator' && token.kind === 'operator') ? ' ' : '';
      previousEnd = token.end;
      previousKind = token.kind;
      const length = token.end - token.start;
      const raw = this.text.slice(token.start, token.end);
      if (token.kind === 'string') out += `'${' '.repeat(Math.max(0, length - 2))}'`;
      else if (token.kind === 'number') out += `0${' '.repeat(length - 1)}`;
      // The parser lacks `<=>`; `=` compares the same operands, so objects and columns are unchanged.
      else if (token.kind === 'operator' && raw === '<=>') out += ' = ';
      else out += raw;
    }
    return out;
  }

  /** Dotted mysql object name `db.table` from name parts, the database from context when unqualified. */
  qualify(parts: readonly string[]): string {
    const table = parts.at(-1) ?? '?';
    const db = parts.length >= 2 ? parts.at(-2)! : (this.context.database ?? '?');
    return `${db}.${table}`;
  }

  /**
   * A dotted name at `i` (words and quoted identifiers joined by `.`); null when token `i` is not
   * a name. `next` is the index after the name.
   */
  name(i: number): { parts: string[]; next: number } | null {
    const parts: string[] = [];
    let j = i;
    for (;;) {
      const token = this.tokens[j];
      if (!token || (token.kind !== 'word' && token.kind !== 'quoted-ident') || token.value === undefined) break;
      parts.push(token.value);
      j++;
      if (!this.isPunct(j, '.')) break;
      j++;
    }
    return parts.length > 0 ? { parts, next: j } : null;
  }
}
