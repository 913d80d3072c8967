import type { LexProblem, LexResult, Token, TokenKind } from '../lexer/token.js';
import { unescapeDoubled } from '../lexer/unescape-doubled.js';

/**
 * The T-SQL lexer: the authority on quoting, comments and token boundaries. One left-to-right pass,
 * linear in the text, never throws.
 *
 * - '…' strings with '' escapes (no backslash escapes); N'…' unicode strings are one string token.
 * - [bracket identifiers] with ]] escapes; "…" is a quoted identifier because QUOTED_IDENTIFIER is ON
 *   by default for every modern driver (with it OFF the server reads "…" as a string; we still never
 *   copy either form as a literal value, and a table named by a string would only fail closed).
 * - -- line comments; /* … *\/ comments nest in T-SQL, so depth is counted.
 * - numbers: 12, 1.5, .5, 1e5, 1.5E-3, 0x1F binary literals, $12.50 money literals.
 * - @name and @@name are variables (sp_executesql's @p1 parameters included).
 * - words start with a letter, `_` or `#` (temp tables) and continue with letters, digits, _ @ # $.
 * Anything else is an `invalid-character` problem, so the classifier fails closed.
 */
export function lexMssql(text: string): LexResult {
  const tokens: Token[] = [];
  const problems: LexProblem[] = [];
  const n = text.length;
  let i = 0;

  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    const next = i + 1 < n ? text.charCodeAt(i + 1) : -1;

    if (c === 0x2d /* - */ && next === 0x2d) {
      i = lineEnd(text, i + 2);
      pushToken(tokens, 'comment', start, i);
      continue;
    }
    if (c === 0x2f /* / */ && next === 0x2a /* * */) {
      const end = blockCommentEnd(text, i + 2);
      if (end < 0) {
        problems.push({ kind: 'unterminated-comment', offset: start });
        i = n;
      } else {
        i = end;
      }
      pushToken(tokens, 'comment', start, i);
      continue;
    }
    if (c === 0x27 /* ' */) {
      i = quotedEnd(text, i + 1, 0x27, problems, 'unterminated-string', start);
      pushToken(tokens, 'string', start, i);
      continue;
    }
    if ((c === 0x4e || c === 0x6e) /* N n */ && next === 0x27) {
      i = quotedEnd(text, i + 2, 0x27, problems, 'unterminated-string', start);
      pushToken(tokens, 'string', start, i);
      continue;
    }
    if (c === 0x5b /* [ */) {
      i = quotedEnd(text, i + 1, 0x5d, problems, 'unterminated-identifier', start);
      pushToken(tokens, 'quoted-ident', start, i, unquote(text, start, i, 0x5d));
      continue;
    }
    if (c === 0x22 /* " */) {
      i = quotedEnd(text, i + 1, 0x22, problems, 'unterminated-identifier', start);
      pushToken(tokens, 'quoted-ident', start, i, unquote(text, start, i, 0x22));
      continue;
    }
    if (c === 0x30 && (next === 0x78 || next === 0x58) /* 0x */) {
      i += 2;
      while (i < n && isHexDigit(text.charCodeAt(i))) i++;
      pushToken(tokens, 'number', start, i);
      continue;
    }
    if (isDigit(c) || (c === 0x2e /* . */ && isDigit(next))) {
      i = numberEnd(text, i);
      pushToken(tokens, 'number', start, i);
      continue;
    }
    if (c === 0x24 /* $ */ && (isDigit(next) || next === 0x2e || next === 0x2d || next === 0x2b)) {
      // Money literal: $12.50, $-3 (the sign belongs to the literal in T-SQL).
      i++;
      if (text.charCodeAt(i) === 0x2d || text.charCodeAt(i) === 0x2b) i++;
      i = isDigit(text.charCodeAt(i)) || text.charCodeAt(i) === 0x2e ? numberEnd(text, i) : i;
      pushToken(tokens, 'number', start, i);
      continue;
    }
    if (c === 0x40 /* @ */) {
      i++;
      if (i < n && text.charCodeAt(i) === 0x40) i++;
      i = wordEnd(text, i);
      pushToken(tokens, 'variable', start, i);
      continue;
    }
    if (isWordStart(text, i) || (c === 0x24 /* $ */ && isAsciiLetter(next))) {
      // `$` + letters: $PARTITION, $action, $identity, $node_id are pseudo-columns and functions.
      i = wordEnd(text, c === 0x24 ? i + 1 : i);
      pushToken(tokens, 'word', start, i, text.slice(start, i));
      continue;
    }
    if (PUNCT.has(c)) {
      i++;
      pushToken(tokens, 'punct', start, i);
      continue;
    }
    if (OPERATOR_CHARS.has(c)) {
      i += operatorLength(c, next);
      pushToken(tokens, 'operator', start, i);
      continue;
    }
    // Unknown character (`?`, `\`, a backtick, an unusual space): a token so it is redacted, and
    // a problem so the statement fails closed.
    const width = c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
    problems.push({ kind: 'invalid-character', offset: start });
    i += width;
    pushToken(tokens, 'operator', start, i);
  }
  return { tokens, problems };
}

const PUNCT = new Set([0x28, 0x29, 0x2c, 0x3b, 0x2e, 0x7b, 0x7d]); // ( ) , ; . { }
const OPERATOR_CHARS = new Set([0x2b, 0x2d, 0x2a, 0x2f, 0x25, 0x26, 0x7c, 0x5e, 0x7e, 0x3d, 0x3c, 0x3e, 0x21, 0x3a]);

/** Two-character operators: <= >= <> != !< !> += -= *= /= %= &= |= ^= :: */
/** A module function, not a closure per call: the lexer runs for every statement, cached or not. */
function pushToken(tokens: Token[], kind: TokenKind, start: number, end: number, value?: string): void {
  tokens.push(value === undefined ? { kind, start, end } : { kind, start, end, value });
}

function operatorLength(c: number, next: number): number {
  if (next === 0x3d /* = */ && c !== 0x3d && c !== 0x7e && c !== 0x3a) return 2;
  if (c === 0x3c && next === 0x3e) return 2; // <>
  if (c === 0x21 && (next === 0x3c || next === 0x3e)) return 2; // !< !>
  if (c === 0x3a && next === 0x3a) return 2; // ::
  return 1;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

const LETTER = /\p{L}/u;

function isWordStart(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x23) return true;
  if (c < 0x80) return false;
  const cp = text.codePointAt(i)!;
  return LETTER.test(String.fromCodePoint(cp));
}

function wordEnd(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      isDigit(c) ||
      c === 0x5f ||
      c === 0x40 ||
      c === 0x23 ||
      c === 0x24
    ) {
      i++;
      continue;
    }
    if (c >= 0x80) {
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      if (LETTER.test(ch) || /[\p{Nd}\p{Mn}\p{Mc}]/u.test(ch)) {
        i += ch.length;
        continue;
      }
    }
    break;
  }
  return i;
}

function numberEnd(text: string, i: number): number {
  const n = text.length;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  if (i < n && text.charCodeAt(i) === 0x2e) {
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    let j = i + 1;
    const sign = text.charCodeAt(j);
    if (sign === 0x2b || sign === 0x2d) j++;
    if (isDigit(text.charCodeAt(j))) {
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      i = j;
    }
  }
  return i;
}

function lineEnd(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) break;
    i++;
  }
  return i;
}

/** End offset of a nested block comment whose opener ended at `i`, or -1 when unterminated. */
function blockCommentEnd(text: string, i: number): number {
  const n = text.length;
  let depth = 1;
  while (i < n) {
    const c = text.charCodeAt(i);
    const d = i + 1 < n ? text.charCodeAt(i + 1) : -1;
    if (c === 0x2f && d === 0x2a) {
      depth++;
      i += 2;
    } else if (c === 0x2a && d === 0x2f) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return -1;
}

/** End of a quoted form whose closing character doubles as its escape ('' ]] ""). */
function quotedEnd(
  text: string,
  i: number,
  close: number,
  problems: LexProblem[],
  problem: 'unterminated-string' | 'unterminated-identifier',
  start: number,
): number {
  const n = text.length;
  while (i < n) {
    const at = text.indexOf(String.fromCharCode(close), i);
    if (at < 0) break;
    if (text.charCodeAt(at + 1) === close) {
      i = at + 2;
      continue;
    }
    return at + 1;
  }
  problems.push({ kind: problem, offset: start });
  return n;
}

function unquote(text: string, start: number, end: number, close: number): string {
  const closed = end - start >= 2 && text.charCodeAt(end - 1) === close;
  return unescapeDoubled(text, start + 1, closed ? end - 1 : end, close);
}
