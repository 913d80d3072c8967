import type { LiteralSpans } from '../literal-spans.js';
import { closingDoubledQuote, codeAt, isDigit, isSpace } from '../literal-scan-chars.js';

/**
 * Finds the literals of one plain T-SQL statement in one pass, without tokens: `spans` gets the
 * statement's extent (first to last token) and every string and number literal, so that
 * `spans.redacted(text)` is exactly what `redactStatement` makes of `lexMssql`'s tokens. False for
 * anything outside a deliberately narrow grammar, which then takes the full path: comments, numbers
 * other than `12` or `1.5` (0x…, 1e5, 1., .5, $12 money), a quote right after a name (`AN'x'`), the
 * word THROW, `@` variables (a text with parameters and no literal is the exact-text cache's, and
 * leaves here at its first one), operators outside a short list, characters the lexer rejects (`?`,
 * `\`, backquotes), non-ASCII outside quotes, a `;` before the end or closing anything but plain
 * DML, and texts with no literal at all. Several statements without a `;` between them
 * (`SELECT 1 SELECT 2`) are not detected here: the classifier trusts a shape only once the full
 * path found one statement in it.
 *
 * Why the redacted text can stand for the statement's shape: inside this grammar a `?` in it
 * always marks a literal (or sits inside a quoted identifier), and every other token is copied as
 * written and ends where the same characters would end it, whatever literal follows. So two texts
 * with the same redacted text have the same tokens apart from literal values, hence the same
 * fingerprint and the same statement boundaries: the splitter looks at literals only to tell
 * `THROW 5` (a statement) from `THROW 'x'` (not one), and THROW is left out.
 */
export function scanMssqlLiteralShape(text: string, spans: LiteralSpans): boolean {
  const n = text.length;
  let i = 0;
  while (i < n && isSpace(codeAt(text, i))) i++;
  spans.reset(i);
  let end = n;
  /** `(` nesting, never below 0 (as the splitter counts it). */
  let depth = 0;
  while (i < n) {
    const c = codeAt(text, i);
    if (isSpace(c)) {
      i++;
    } else if ((c === 78 || c === 110) /* N n */ && codeAt(text, i + 1) === 39) {
      // N'…': one string literal, prefix included.
      const literalStart = i;
      i = closingDoubledQuote(text, i + 2, 39);
      if (i < 0 || !endsLiteral(codeAt(text, i))) return false;
      spans.add(literalStart, i);
    } else if (isWordStart(c)) {
      const wordStart = i;
      i++;
      while (i < n && isWordPart(codeAt(text, i))) i++;
      const next = codeAt(text, i);
      if (next === 39 || next >= 128 || isThrow(text, wordStart, i)) return false;
    } else if (isDigit(c)) {
      const literalStart = i;
      i++;
      while (i < n && isDigit(codeAt(text, i))) i++;
      if (codeAt(text, i) === 46 /* . */) {
        if (!isDigit(codeAt(text, i + 1))) return false;
        i += 2;
        while (i < n && isDigit(codeAt(text, i))) i++;
      }
      // Exponents, 0x…, 1.2.3 and a literal run into a name or a quote: the full lexer's job.
      if (!endsLiteral(codeAt(text, i))) return false;
      spans.add(literalStart, i);
    } else if (c === 39 /* ' */) {
      const literalStart = i;
      i = closingDoubledQuote(text, i + 1, 39);
      if (i < 0 || !endsLiteral(codeAt(text, i))) return false;
      spans.add(literalStart, i);
    } else if (c === 91 /* [ */) {
      i = closingDoubledQuote(text, i + 1, 93);
      if (i < 0) return false;
    } else if (c === 34 /* " (an identifier under QUOTED_IDENTIFIER ON) */) {
      i = closingDoubledQuote(text, i + 1, 34);
      if (i < 0) return false;
    } else if (c === 40 /* ( */) {
      depth++;
      i++;
    } else if (c === 41 /* ) */) {
      if (depth > 0) depth--;
      i++;
    } else if (c === 44 /* , */) {
      i++;
    } else if (c === 46 /* . */) {
      // `.5` is a number to the lexer.
      if (isDigit(codeAt(text, i + 1))) return false;
      i++;
    } else if (c === 59 /* ; */) {
      // The end of the one statement: only whitespace may follow. The splitter keeps a `;` inside
      // the statement within parentheses and in blocks, modules and statements it cannot follow,
      // so a `;` ends only a plain DML statement here.
      if (depth !== 0 || !startsWithPlainDml(text, spans.start)) return false;
      end = i;
      for (let j = i + 1; j < n; j++) if (!isSpace(codeAt(text, j))) return false;
      break;
    } else {
      const operatorEnd = plainOperatorEnd(text, i);
      if (operatorEnd < 0) return false;
      i = operatorEnd;
    }
  }
  if (spans.count === 0) return false;
  while (end > spans.start && isSpace(codeAt(text, end - 1))) end--;
  spans.end = end;
  return true;
}

/** Statements whose closing `;` the splitter leaves out of the statement (when not inside parentheses). */
const PLAIN_DML = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'WITH']);

/** Whether the statement's first token, at `start`, is a plain DML keyword. */
function startsWithPlainDml(text: string, start: number): boolean {
  let i = start;
  while (isWordPart(codeAt(text, i))) i++;
  return i - start >= 4 && i - start <= 6 && PLAIN_DML.has(text.slice(start, i).toUpperCase());
}

/** THROW, in any case: whether it starts a statement depends on the kind of literal after it. */
function isThrow(text: string, start: number, end: number): boolean {
  return end - start === 5 && (codeAt(text, start) | 0x20) === 116 && text.slice(start, end).toUpperCase() === 'THROW';
}

/**
 * The end of a run of operator characters when the whole run is one of the plain operators (the
 * lexer reads such a run as that one token), else -1: `--` and `/*` comments, compound
 * assignments and runs the lexer would split (`=-`) all leave the scan.
 */
function plainOperatorEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && isOperatorChar(codeAt(text, i))) i++;
  const length = i - from;
  const c = codeAt(text, from);
  if (length === 1) {
    // = < > + - * / %
    return c === 61 || c === 60 || c === 62 || c === 43 || c === 45 || c === 42 || c === 47 || c === 37 ? i : -1;
  }
  if (length === 2) {
    const d = codeAt(text, from + 1);
    // <= >= <> !=
    if (d === 61 && (c === 60 || c === 62 || c === 33)) return i;
    if (c === 60 && d === 62) return i;
  }
  return -1;
}

/** What may follow a literal: whitespace, the end, or punctuation and operators (not `.`, a quote, a bracket or a name). */
function endsLiteral(c: number): boolean {
  return c < 0 || isSpace(c) || c === 40 || c === 41 || c === 44 || c === 59 || isOperatorChar(c);
}

/** The lexer's operator characters: + - * / % & | ^ ~ = < > ! : */
function isOperatorChar(c: number): boolean {
  return (
    c === 43 || c === 45 || c === 42 || c === 47 || c === 37 || c === 38 || c === 124 ||
    c === 94 || c === 126 || c === 61 || c === 60 || c === 62 || c === 33 || c === 58
  );
}

/** Letters, `_` and `#` (temp tables) start a name; `$` only in `$PARTITION`-like words, left to the lexer. */
function isWordStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 35;
}
/** Names continue with letters, digits, _ @ # $. */
function isWordPart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 64 || c === 35 || c === 36;
}
