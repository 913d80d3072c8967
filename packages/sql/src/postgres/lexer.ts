import type { LexProblem, LexResult, Token } from '../lexer/token.js';
import { unescapeDoubled } from '../lexer/unescape-doubled.js';

/**
 * The PostgreSQL lexer, following src/backend/parser/scan.l with standard_conforming_strings on:
 * backslash is literal in '…' and only escapes inside E'…'. Linear time, never throws: an
 * unterminated literal, identifier or comment becomes a token that runs to the end of the text
 * plus a LexProblem, so the text is still redacted and the classifier fails closed.
 */
export function lexPostgres(text: string): LexResult {
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
    // -- line comment (runs to a newline; PG ends it at \n or \r)
    if (c === 45 /* - */ && text.charCodeAt(i + 1) === 45) {
      i += 2;
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      tokens.push({ kind: 'comment', start, end: i });
      continue;
    }
    // /* block comment */ — nests, as in PostgreSQL
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42) {
      i = skipBlockComment(text, i);
      if (i < 0) {
        problems.push({ kind: 'unterminated-comment', offset: start });
        i = n;
      }
      tokens.push({ kind: 'comment', start, end: i });
      continue;
    }
    if (c === 39 /* ' */) {
      i = lexQuoted(text, i + 1, 39, false, start, problems);
      tokens.push({ kind: 'string', start, end: i });
      continue;
    }
    if (c === 34 /* " */) {
      const end = lexQuoted(text, i + 1, 34, false, start, problems, 'unterminated-identifier');
      tokens.push({ kind: 'quoted-ident', start, end, value: unquoteIdent(text, i + 1, end) });
      i = end;
      continue;
    }
    if (isIdentStart(c)) {
      const next = text.charCodeAt(i + 1);
      if (next === 39) {
        // E'…' escapes with backslash; B'…' X'…' end at the first quote; N'…' is a plain string.
        const lower = c | 0x20;
        if (lower === 101 /* e */) {
          i = lexQuoted(text, i + 2, 39, true, start, problems);
          tokens.push({ kind: 'string', start, end: i });
          continue;
        }
        if (lower === 98 /* b */ || lower === 120 /* x */) {
          i = lexBitString(text, i + 2, start, problems);
          tokens.push({ kind: 'string', start, end: i });
          continue;
        }
        if (lower === 110 /* n */) {
          i = lexQuoted(text, i + 2, 39, false, start, problems);
          tokens.push({ kind: 'string', start, end: i });
          continue;
        }
      }
      if ((c | 0x20) === 117 /* u */ && next === 38 /* & */) {
        const quote = text.charCodeAt(i + 2);
        if (quote === 39) {
          i = lexQuoted(text, i + 3, 39, false, start, problems);
          tokens.push({ kind: 'string', start, end: i });
          continue;
        }
        if (quote === 34) {
          const end = lexQuoted(text, i + 3, 34, false, start, problems, 'unterminated-identifier');
          tokens.push({ kind: 'quoted-ident', start, end, value: unicodeIdent(unquoteIdent(text, i + 3, end)) });
          i = end;
          continue;
        }
      }
      i++;
      while (i < n && isIdentCont(text.charCodeAt(i))) i++;
      tokens.push({ kind: 'word', start, end: i, value: text.slice(start, i) });
      continue;
    }
    if (c === 36 /* $ */) {
      const next = text.charCodeAt(i + 1);
      if (isDigit(next)) {
        i += 2;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
        tokens.push({ kind: 'param', start, end: i });
        continue;
      }
      const delimiterEnd = dollarDelimiterEnd(text, i);
      if (delimiterEnd > 0) {
        const delimiter = text.slice(i, delimiterEnd);
        const close = text.indexOf(delimiter, delimiterEnd);
        if (close < 0) {
          problems.push({ kind: 'unterminated-string', offset: start });
          i = n;
        } else {
          i = close + delimiter.length;
        }
        tokens.push({ kind: 'string', start, end: i });
        continue;
      }
      // A lone `$` is not SQL: the server rejects it too.
      problems.push({ kind: 'invalid-character', offset: start });
      i++;
      tokens.push({ kind: 'operator', start, end: i });
      continue;
    }
    if (isDigit(c) || (c === 46 /* . */ && isDigit(text.charCodeAt(i + 1)))) {
      i = lexNumber(text, i);
      tokens.push({ kind: 'number', start, end: i });
      continue;
    }
    if (c === 46 /* . */ && text.charCodeAt(i + 1) === 46) {
      // `..` is one token to the server (DOT_DOT, used by PL/pgSQL ranges).
      i += 2;
      tokens.push({ kind: 'operator', start, end: i });
      continue;
    }
    if (isPunct(c)) {
      i++;
      tokens.push({ kind: 'punct', start, end: i });
      continue;
    }
    if (c === 58 /* : */) {
      // `::` cast, `:=` assignment, or a lone `:` (array slices).
      const next = text.charCodeAt(i + 1);
      i += next === 58 || next === 61 ? 2 : 1;
      tokens.push({ kind: 'operator', start, end: i });
      continue;
    }
    if (isOperatorChar(c)) {
      i = lexOperator(text, i);
      tokens.push({ kind: 'operator', start, end: i });
      continue;
    }
    // Backslash, braces, control characters: the server's grammar has no use for them.
    problems.push({ kind: 'invalid-character', offset: start });
    i++;
    tokens.push({ kind: 'operator', start, end: i });
  }
  return { tokens, problems };
}

/** Returns the index after the comment, or -1 when it never closes. */
function skipBlockComment(text: string, from: number): number {
  const n = text.length;
  let depth = 0;
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      depth++;
      i += 2;
    } else if (c === 42 && text.charCodeAt(i + 1) === 47) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return -1;
}

/**
 * Scans a quoted body from `from` (just past the opening quote) to just past the closing quote.
 * A doubled quote is an escaped quote; with `backslash`, `\x` escapes any character (E'…').
 */
function lexQuoted(
  text: string,
  from: number,
  quote: number,
  backslash: boolean,
  start: number,
  problems: LexProblem[],
  problem: 'unterminated-string' | 'unterminated-identifier' = 'unterminated-string',
): number {
  const n = text.length;
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (backslash && c === 92 /* \ */) {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (text.charCodeAt(i + 1) === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  problems.push({ kind: problem, offset: start });
  return n;
}

/** B'…' and X'…' have no escapes: the body ends at the first quote (scan.l states xb, xh). */
function lexBitString(text: string, from: number, start: number, problems: LexProblem[]): number {
  const close = text.indexOf("'", from);
  if (close < 0) {
    problems.push({ kind: 'unterminated-string', offset: start });
    return text.length;
  }
  return close + 1;
}

/** `$tag$` or `$$` at `at`: returns the index after the delimiter, or 0 when there is none. */
function dollarDelimiterEnd(text: string, at: number): number {
  let i = at + 1;
  const first = text.charCodeAt(i);
  if (first === 36) return i + 1;
  if (!isIdentStart(first)) return 0;
  i++;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 36) return i + 1;
    // A tag is identifier-like but cannot itself contain `$`.
    if (!isIdentStart(c) && !isDigit(c)) return 0;
    i++;
  }
  return 0;
}

/** Integers (with `_` separators), 0x/0o/0b forms, decimals, `.5`, exponents. */
function lexNumber(text: string, from: number): number {
  const n = text.length;
  let i = from;
  const c = text.charCodeAt(i);
  const radix = c === 48 ? text.charCodeAt(i + 1) | 0x20 : 0;
  if (radix === 120 /* x */ || radix === 111 /* o */ || radix === 98 /* b */) {
    let j = i + 2;
    while (j < n && (isAlnum(text.charCodeAt(j)) || text.charCodeAt(j) === 95)) j++;
    if (j > i + 2) return j;
  }
  i = digits(text, i);
  if (text.charCodeAt(i) === 46 /* . */ && text.charCodeAt(i + 1) !== 46 /* `1..2` is not a decimal */) {
    i = digits(text, i + 1);
  }
  const e = text.charCodeAt(i) | 0x20;
  if (e === 101) {
    let j = i + 1;
    const sign = text.charCodeAt(j);
    if (sign === 43 || sign === 45) j++;
    if (isDigit(text.charCodeAt(j))) i = digits(text, j);
  }
  return i;
}

function digits(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isDigit(c) || (c === 95 && isDigit(text.charCodeAt(i + 1)))) i++;
    else break;
  }
  return i;
}

/**
 * A run of operator characters, cut before `--` or `/*` (they start comments), and — as the
 * server does — without a trailing + or - unless the run holds one of ~ ! @ # % ^ & | ` ?.
 */
function lexOperator(text: string, from: number): number {
  const n = text.length;
  let i = from;
  while (i < n && isOperatorChar(text.charCodeAt(i))) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (i > from && ((c === 45 && next === 45) || (c === 47 && next === 42))) break;
    i++;
  }
  let end = i;
  if (end - from > 1) {
    let special = false;
    for (let j = from; j < end; j++) {
      if (OPERATOR_SPECIAL.has(text.charCodeAt(j))) special = true;
    }
    if (!special) {
      while (end - from > 1 && (text.charCodeAt(end - 1) === 43 || text.charCodeAt(end - 1) === 45)) end--;
    }
  }
  return end;
}

function unquoteIdent(text: string, from: number, end: number): string {
  // `end` is past the closing quote unless the identifier was unterminated.
  const closed = end > from && text.charCodeAt(end - 1) === 34 && end - 1 >= from;
  return unescapeDoubled(text, from, closed ? end - 1 : end, 34);
}

/** Resolves U&"…" escapes with the default escape character (\XXXX and \+XXXXXX). */
function unicodeIdent(body: string): string {
  return body.replace(/\\(\\|\+[0-9A-Fa-f]{6}|[0-9A-Fa-f]{4})/g, (_m, code: string) => {
    if (code === '\\') return '\\';
    const value = Number.parseInt(code.startsWith('+') ? code.slice(1) : code, 16);
    return value <= 0x10ffff ? String.fromCodePoint(value) : '\uFFFD';
  });
}

const OPERATOR_SPECIAL = new Set([126, 33, 64, 35, 37, 94, 38, 124, 96, 63]);

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
/** PostgreSQL treats every non-ASCII character as an identifier character, even U+00A0. */
function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}
function isIdentCont(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 36;
}
function isPunct(c: number): boolean {
  return c === 40 || c === 41 || c === 44 || c === 59 || c === 46 || c === 91 || c === 93;
}
/** + - * / < > = ~ ! @ # % ^ & | ` ? (also the literal-shape scanner's operator characters). */
export function isOperatorChar(c: number): boolean {
  switch (c) {
    case 43:
    case 45:
    case 42:
    case 47:
    case 60:
    case 62:
    case 61:
    case 126:
    case 33:
    case 64:
    case 35:
    case 37:
    case 94:
    case 38:
    case 124:
    case 96:
    case 63:
      return true;
    default:
      return false;
  }
}
