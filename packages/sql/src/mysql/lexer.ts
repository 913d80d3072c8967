import type { LexProblem, LexResult, Token, TokenKind } from '../lexer/token.js';
import { unescapeDoubled } from '../lexer/unescape-doubled.js';

/**
 * The MySQL/MariaDB lexer: the authority on quoting, comments and statement boundaries.
 * Assumes the default sql_mode: backslash escapes on (NO_BACKSLASH_ESCAPES off) and "…" is a
 * string (ANSI_QUOTES off). Changing sql_mode is classified as a security setting for that reason.
 * Linear time; never throws; unterminated forms run to the end of the text and add a problem.
 *
 * Executable comments (`/*!…*\/`, `/*!50700 …*\/`, `/*M!…*\/`, `/*M!100100 …*\/`): the server runs
 * their content, so they become `exec-comment-start`, the inner tokens, `exec-comment-end`.
 * Anything doubtful inside one (nested comments, odd version digits) is a problem: fail closed.
 */
export function lexMysql(text: string): LexResult {
  return new MysqlLexer(text).run();
}

const enum Ch {
  Tab = 9,
  Newline = 10,
  Space = 32,
  Bang = 33,
  DoubleQuote = 34,
  Hash = 35,
  Dollar = 36,
  Quote = 39,
  Star = 42,
  Plus = 43,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Question = 63,
  At = 64,
  UpperM = 77,
  Backslash = 92,
  Underscore = 95,
  Backtick = 96,
}

function isDigit(c: number): boolean {
  return c >= Ch.Zero && c <= Ch.Nine;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** MySQL whitespace: space, \t \n \v \f \r. Everything else from U+0080 up is an identifier char. */
function isSpace(c: number): boolean {
  return c === Ch.Space || (c >= Ch.Tab && c <= 13);
}

/** Unquoted identifier characters: [0-9a-zA-Z$_] and U+0080 and above. */
function isIdentChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === Ch.Underscore || c === Ch.Dollar || c >= 0x80
  );
}

/** A control character ends `--` as a comment opener too (MySQL: space or control after `--`). */
function isSpaceOrControl(c: number): boolean {
  return isSpace(c) || c < 32 || c === 127 || Number.isNaN(c);
}

const THREE_CHAR_OPERATORS = ['<=>', '->>'];
const TWO_CHAR_OPERATORS = new Set([':=', '->', '&&', '||', '<=', '>=', '<>', '!=', '<<', '>>']);
const PUNCT = new Set(['(', ')', ',', ';', '.', '[', ']', '{', '}']);
const OPERATOR_CHARS = new Set(['=', '<', '>', '+', '-', '*', '/', '%', '^', '&', '|', '~', '!', ':', '@']);

class MysqlLexer {
  private readonly tokens: Token[] = [];
  private readonly problems: LexProblem[] = [];
  private pos = 0;
  /** Offset of the open executable comment's start token, or -1 outside one. */
  private execStart = -1;

  constructor(private readonly text: string) {}

  run(): LexResult {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (isSpace(c)) {
        this.pos++;
        continue;
      }
      this.next(c);
    }
    if (this.execStart >= 0) this.problem('unterminated-comment', this.execStart);
    return { tokens: this.tokens, problems: this.problems };
  }

  private next(c: number): void {
    const { text, pos } = this;
    const c1 = text.charCodeAt(pos + 1);
    if (c === Ch.Star && c1 === Ch.Slash && this.execStart >= 0) {
      this.push('exec-comment-end', pos, pos + 2);
      this.execStart = -1;
      return;
    }
    if (c === Ch.Slash && c1 === Ch.Star) return this.blockComment();
    if (c === Ch.Hash || (c === Ch.Minus && c1 === Ch.Minus && isSpaceOrControl(text.charCodeAt(pos + 2)))) {
      return this.lineComment();
    }
    if (c === Ch.Quote || c === Ch.DoubleQuote) return this.quoted(pos, pos, c);
    if (c === Ch.Backtick) return this.backtick(pos);
    const identChar = isIdentChar(c);
    // After `name.` even digits start a name (`t.1a`); the check is made once per word.
    const qualified = identChar && this.afterQualifier();
    if (qualified) return this.word(true);
    if (isDigit(c) || (c === Ch.Dot && isDigit(c1) && !this.afterName())) return this.number();
    if (identChar) return this.word(false);
    if (c === Ch.Question) return this.push('param', pos, pos + 1);
    if (c === Ch.At) return this.variable();
    this.operatorOrPunct(c);
  }

  // ---- comments -----------------------------------------------------------------------------

  private blockComment(): void {
    const { text } = this;
    const start = this.pos;
    const bang = text.charCodeAt(start + 2) === Ch.Bang;
    const mariaBang = text.charCodeAt(start + 2) === Ch.UpperM && text.charCodeAt(start + 3) === Ch.Bang;
    if (this.execStart >= 0) {
      // MySQL does not nest comments; what the server does with one inside an executable comment
      // differs by version, so the statement is doubtful.
      this.problem('invalid-character', start);
    } else if (bang || mariaBang) {
      this.execOpen(start, start + (bang ? 3 : 4));
      return;
    }
    const close = text.indexOf('*/', start + 2);
    if (close < 0) {
      this.problem('unterminated-comment', start);
      this.unterminated('comment', start, start + 2);
      return;
    }
    if (this.execStart >= 0) this.unterminated('comment', start, start + 2, undefined, close + 2);
    else this.push('comment', start, close + 2);
  }

  /** `/*!` or `/*M!`, then an optional version: exactly 5 or 6 digits, anything else is doubtful. */
  private execOpen(start: number, afterBang: number): void {
    let end = afterBang;
    while (isDigit(this.text.charCodeAt(end))) end++;
    const digits = end - afterBang;
    if (digits !== 0 && digits !== 5 && digits !== 6) this.problem('invalid-character', afterBang);
    this.push('exec-comment-start', start, end);
    this.execStart = start;
  }

  private lineComment(): void {
    const start = this.pos;
    const newline = this.text.indexOf('\n', start);
    const end = newline < 0 ? this.text.length : newline;
    // Inside an executable comment a line comment may swallow the closing `*/`: doubtful.
    if (this.execStart >= 0) {
      this.problem('invalid-character', start);
      this.unterminated('comment', start, start + (this.text.charCodeAt(start) === Ch.Hash ? 1 : 2), undefined, end);
      return;
    }
    this.push('comment', start, end);
  }

  // ---- literals and names -------------------------------------------------------------------

  /**
   * '…' or "…" from `quote` (a prefix such as N, X, B or _charset may start at `start`):
   * backslash escapes and doubled quotes both stay inside the string.
   */
  private quoted(start: number, quotePos: number, quote: number): void {
    const { text } = this;
    let i = quotePos + 1;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === Ch.Backslash) {
        i += 2;
      } else if (c === quote) {
        if (text.charCodeAt(i + 1) === quote) i += 2;
        else {
          this.push('string', start, i + 1);
          return;
        }
      } else i++;
    }
    this.problem('unterminated-string', start);
    this.unterminated('string', start, quotePos + 1);
  }

  private backtick(start: number): void {
    const { text } = this;
    let i = start + 1;
    while (i < text.length) {
      if (text.charCodeAt(i) === Ch.Backtick) {
        if (text.charCodeAt(i + 1) === Ch.Backtick) {
          i += 2;
          continue;
        }
        this.push('quoted-ident', start, i + 1, unescapeDoubled(text, start + 1, i, Ch.Backtick));
        return;
      }
      i++;
    }
    this.problem('unterminated-identifier', start);
    this.unterminated('quoted-ident', start, start + 1, unescapeDoubled(text, start + 1, text.length, Ch.Backtick));
  }

  private number(): void {
    const { text } = this;
    const start = this.pos;
    // 0x1F / 0b01 (lower-case x and b only: 0X1F is an identifier in MySQL).
    const c1 = text.charCodeAt(start + 1);
    if (text.charCodeAt(start) === Ch.Zero && (c1 === 0x78 || c1 === 0x62)) {
      const ok = c1 === 0x78 ? isHexDigit : (c: number) => c === 48 || c === 49;
      let end = start + 2;
      while (ok(text.charCodeAt(end))) end++;
      if (end > start + 2 && !isIdentChar(text.charCodeAt(end))) return this.push('number', start, end);
      return this.word(); // 0xZZ, 0b12 …: an identifier that starts with digits
    }
    let end = start;
    while (isDigit(text.charCodeAt(end))) end++;
    if (end > start && isIdentChar(text.charCodeAt(end)) && !this.exponentAt(end)) return this.word();
    if (text.charCodeAt(end) === Ch.Dot) {
      end++;
      while (isDigit(text.charCodeAt(end))) end++;
    }
    const exponent = this.exponentAt(end);
    if (exponent > 0) end = exponent;
    this.push('number', start, end);
  }

  /** End of an exponent (`e3`, `E-2`) starting at `at`, or 0 when there is none. */
  private exponentAt(at: number): number {
    const { text } = this;
    if ((text.charCodeAt(at) | 0x20) !== 0x65) return 0;
    let i = at + 1;
    const sign = text.charCodeAt(i);
    if (sign === Ch.Plus || sign === Ch.Minus) i++;
    if (!isDigit(text.charCodeAt(i))) return 0;
    while (isDigit(text.charCodeAt(i))) i++;
    return i;
  }

  private word(qualified = this.afterQualifier()): void {
    const { text } = this;
    const start = this.pos;
    let end = start;
    while (end < text.length && isIdentChar(text.charCodeAt(end))) end++;
    const next = text.charCodeAt(end);
    if (next === Ch.Quote || next === Ch.DoubleQuote) {
      const prefix = text.slice(start, end).toUpperCase();
      // N'…' national, X'…' hex, B'…' bit, _charset'…' introducer: one literal.
      if ((prefix === 'N' && next === Ch.Quote) || prefix.startsWith('_')) return this.quoted(start, end, next);
      if ((prefix === 'X' || prefix === 'B') && next === Ch.Quote) return this.quoted(start, end, next);
    }
    // A word after `name.` is always an identifier, even a reserved word (`db.select`). It is
    // emitted as quoted-ident so fingerprints keep its case: table names are case-sensitive.
    if (qualified) {
      this.push('quoted-ident', start, end, text.slice(start, end));
      return;
    }
    this.push('word', start, end, text.slice(start, end));
  }

  /** `@name`, `@@name`, `@@global.name`; a bare `@` (as in 'user'@'host') is an operator. */
  private variable(): void {
    const { text } = this;
    const start = this.pos;
    let end = start + 1;
    if (text.charCodeAt(end) === Ch.At) end++;
    const nameStart = end;
    while (end < text.length) {
      const c = text.charCodeAt(end);
      if (isIdentChar(c) || c === Ch.Dot) end++;
      else break;
    }
    if (end === nameStart) {
      this.push('operator', start, nameStart);
      return;
    }
    this.push('variable', start, end);
  }

  private operatorOrPunct(c: number): void {
    const { text, pos } = this;
    const ch = text[pos]!;
    if (PUNCT.has(ch)) return this.push('punct', pos, pos + 1);
    // Longer operators need a second operator character: a lone `=` or `,` costs no slicing.
    if (OPERATOR_CHARS.has(text[pos + 1] ?? '')) {
      if (THREE_CHAR_OPERATORS.includes(text.slice(pos, pos + 3))) return this.push('operator', pos, pos + 3);
      if (TWO_CHAR_OPERATORS.has(text.slice(pos, pos + 2))) return this.push('operator', pos, pos + 2);
    }
    if (OPERATOR_CHARS.has(ch)) return this.push('operator', pos, pos + 1);
    // Unknown character (e.g. a stray backslash): a one-character operator and a problem.
    const width = c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    this.push('operator', pos, pos + width);
    this.problem('invalid-character', pos);
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** True when the previous token is a name ending right here (`t.5` is a qualifier dot, not `.5`). */
  private afterName(): boolean {
    const before = this.tokens.at(-1);
    return before !== undefined && before.end === this.pos && (before.kind === 'word' || before.kind === 'quoted-ident');
  }

  /** True when the previous token is a `.` directly after a name: `t.` `db.` `` `x`. ``. */
  private afterQualifier(): boolean {
    const n = this.tokens.length;
    const dot = this.tokens[n - 1];
    const before = this.tokens[n - 2];
    if (!dot || !before || dot.kind !== 'punct' || dot.end !== this.pos) return false;
    if (this.text.charCodeAt(dot.start) !== Ch.Dot) return false;
    return before.end === dot.start && (before.kind === 'word' || before.kind === 'quoted-ident');
  }

  /**
   * A doubtful form: its opener (`'`, `/*`, `` ` ``, `--`, …) becomes an operator token and the rest
   * a token of `kind`. A valid statement never has such an operator token, so the fingerprint of
   * a doubtful statement cannot collide with a valid one in the classifier's shape cache (whose
   * hits skip the lexer-problem check), while the body is still redacted.
   */
  private unterminated(kind: TokenKind, start: number, openerEnd: number, value?: string, end = this.text.length): void {
    this.push('operator', start, openerEnd);
    if (end > openerEnd) this.push(kind, openerEnd, end, value);
  }

  private push(kind: TokenKind, start: number, end: number, value?: string): void {
    this.tokens.push(value === undefined ? { kind, start, end } : { kind, start, end, value });
    this.pos = end;
  }

  private problem(kind: LexProblem['kind'], offset: number): void {
    this.problems.push({ kind, offset });
  }
}
