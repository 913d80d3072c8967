import type { LiteralSpans } from '../literal-spans.js';
import { closingDoubledQuote, codeAt, isDigit, isSpace, isWordStart } from '../literal-scan-chars.js';

/**
 * Finds the literals of one plain MySQL statement in one pass, without tokens: `spans` gets the
 * statement's extent (first to last token) and every string and number literal, so that
 * `spans.redacted(text)` is exactly what `redactStatement` makes of `lexMysql`'s tokens. False for
 * anything outside a deliberately narrow grammar, which then takes the full path: comments (`#`,
 * `-- `, `/* *\/`, executable comments), prefixed strings (N'' X'' B'' _charset''), numbers other
 * than `12` or `1.5`, a `.` before a digit (`.5`, `t.1`), `?` placeholders, `@` variables,
 * operators outside a short list, non-ASCII outside quotes, more than one statement, a closing `;`
 * after what may be a stored program's header, and texts with no literal at all (the exact-text
 * cache's case).
 *
 * Why the redacted text can stand for the statement's shape: inside this grammar a `?` in it
 * always marks a literal (or sits inside a backquoted identifier), and every other token is copied
 * as written and ends where the same characters would end it, whatever literal follows. So two
 * texts with the same redacted text have the same tokens apart from literal values, hence the same
 * fingerprint (the classifier checks the first text of each shape against the full path before it
 * remembers it).
 */
export function scanMysqlLiteralShape(text: string, spans: LiteralSpans): boolean {
  const n = text.length;
  let i = 0;
  while (i < n && isSpace(codeAt(text, i))) i++;
  spans.reset(i);
  let end = n;
  while (i < n) {
    const c = codeAt(text, i);
    if (isSpace(c)) {
      i++;
    } else if (isWordStart(c)) {
      i++;
      while (i < n && isWordPart(codeAt(text, i))) i++;
      // Non-ASCII letters continue a word for the lexer; a quote right after a word makes a prefixed string.
      const next = codeAt(text, i);
      if (next === 39 || next === 34 || next >= 128) return false;
    } else if (isDigit(c)) {
      const literalStart = i;
      i++;
      while (i < n && isDigit(codeAt(text, i))) i++;
      if (codeAt(text, i) === 46 /* . */) {
        if (!isDigit(codeAt(text, i + 1))) return false;
        i += 2;
        while (i < n && isDigit(codeAt(text, i))) i++;
      }
      // Exponents, 0x…/0b…, `1abc` (a name to MySQL), 1.2.3 and a literal run into a quote: the full lexer's job.
      if (!endsLiteral(codeAt(text, i))) return false;
      spans.add(literalStart, i);
    } else if (c === 39 /* ' */ || c === 34 /* " (a string without ANSI_QUOTES) */) {
      const literalStart = i;
      i = closingQuote(text, i + 1, c);
      if (i < 0 || !endsLiteral(codeAt(text, i))) return false;
      spans.add(literalStart, i);
    } else if (c === 96 /* ` */) {
      i = closingDoubledQuote(text, i + 1, 96);
      if (i < 0) return false;
    } else if (c === 40 || c === 41 || c === 44 /* ( ) , */) {
      i++;
    } else if (c === 46 /* . */) {
      // `.5` is a number, and `t.1` a name, to the lexer.
      if (isDigit(codeAt(text, i + 1))) return false;
      i++;
    } else if (c === 59 /* ; */) {
      // The end of the one statement: only whitespace may follow. In a stored program's body the
      // splitter keeps a `;` inside the statement, so statements that may open one take the full path.
      if (mayOpenCompound(text, spans.start)) return false;
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

/**
 * Whether the statement starting at `start` may be a stored program or a `BEGIN NOT ATOMIC` block
 * (`splitMysql` looks for those from its first word on): true unless its first token is a word
 * other than BEGIN, CREATE or ALTER.
 */
function mayOpenCompound(text: string, start: number): boolean {
  let i = start;
  while (isWordPart(codeAt(text, i))) i++;
  if (i === start || !isWordStart(codeAt(text, start))) return true;
  const word = text.slice(start, i).toUpperCase();
  return word === 'BEGIN' || word === 'CREATE' || word === 'ALTER';
}

/**
 * Past the closing quote of a string body starting at `from`, as `lexMysql` reads it (a backslash
 * escapes the next character, a doubled quote stands for one), or -1 when unterminated.
 */
function closingQuote(text: string, from: number, quote: number): number {
  for (let i = from; i < text.length; i++) {
    const c = codeAt(text, i);
    if (c === 92 /* \ */) i++;
    else if (c === quote) {
      if (codeAt(text, i + 1) !== quote) return i + 1;
      i++;
    }
  }
  return -1;
}

/**
 * The end of a run of operator characters when the whole run is one of the plain operators (the
 * lexer reads such a run as that one token), else -1: `-- ` and `/*` comments, `@` variables and
 * runs the lexer would split (`=-`) all leave the scan.
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
    // <= >= <> != ||
    if (d === 61 && (c === 60 || c === 62 || c === 33)) return i;
    if ((c === 60 && d === 62) || (c === 124 && d === 124)) return i;
  }
  return -1;
}

/** What may follow a literal: whitespace, the end, or punctuation and operators (not `.`, a quote, a backquote or a word). */
function endsLiteral(c: number): boolean {
  return c < 0 || isSpace(c) || c === 40 || c === 41 || c === 44 || c === 59 || isOperatorChar(c);
}

/** The lexer's operator characters: = < > + - * / % ^ & | ~ ! : @ */
function isOperatorChar(c: number): boolean {
  return (
    c === 61 || c === 60 || c === 62 || c === 43 || c === 45 || c === 42 || c === 47 || c === 37 ||
    c === 94 || c === 38 || c === 124 || c === 126 || c === 33 || c === 58 || c === 64
  );
}

/** `$` continues an unquoted name in MySQL (`a$b`), though this scan never starts one with it. */
function isWordPart(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === 36;
}
