import type { LiteralSpans } from '../literal-spans.js';
import { isOperatorChar } from './lexer.js';
import { closingDoubledQuote, codeAt, isDigit, isSpace, isWordStart } from '../literal-scan-chars.js';

/**
 * Finds the literals of one plain PostgreSQL statement in one pass, without tokens: `spans` gets
 * the statement's extent (first to last token) and every string and number literal, so that
 * `spans.redacted(text)` is exactly what `redactStatement` makes of the lexer's tokens. False for
 * anything outside a deliberately narrow grammar, which then takes the full path: comments, dollar
 * quotes, prefixed strings (E'' B'' X'' N'' U&''), numbers other than `12` or `1.5`, a `?`
 * anywhere outside a literal or a quoted identifier, operators outside a short list, non-ASCII
 * words, more than one statement, and texts with no literal at all (the exact-text cache's case).
 *
 * Why the redacted text can stand for the statement's shape: inside this grammar a `?` in it
 * always marks a literal (or sits inside a quoted identifier), and every other token is copied as
 * written and ends where the same characters would end it, whatever literal follows. So two texts
 * with the same redacted text have the same tokens apart from literal values, hence the same
 * fingerprint (the classifier checks the first text of each shape against the full path before it
 * remembers it).
 */
export function scanPostgresLiteralShape(text: string, spans: LiteralSpans): boolean {
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
      // `$` and non-ASCII letters continue a word for the lexer; a quote makes a prefixed string.
      const next = codeAt(text, i);
      if (next === 39 || next === 36 || next >= 128) return false;
    } else if (isDigit(c)) {
      const literalStart = i;
      i++;
      while (i < n && isDigit(codeAt(text, i))) i++;
      if (codeAt(text, i) === 46 /* . */) {
        if (!isDigit(codeAt(text, i + 1))) return false;
        i += 2;
        while (i < n && isDigit(codeAt(text, i))) i++;
      }
      // Exponents, 0x…, 1_000, 1.2.3 and a literal run into a word or quote: the full lexer's job.
      if (!endsLiteral(codeAt(text, i))) return false;
      spans.add(literalStart, i);
    } else if (c === 39 /* ' */) {
      const literalStart = i;
      i = closingDoubledQuote(text, i + 1, 39);
      if (i < 0 || !endsLiteral(codeAt(text, i))) return false;
      spans.add(literalStart, i);
    } else if (c === 34 /* " */) {
      i = closingDoubledQuote(text, i + 1, 34);
      if (i < 0) return false;
    } else if (c === 36 /* $ */) {
      // $1 … (a parameter, kept as written); `$tag$` and a lone `$` are not for this scan.
      if (!isDigit(codeAt(text, i + 1))) return false;
      i += 2;
      while (i < n && isDigit(codeAt(text, i))) i++;
    } else if (c === 40 || c === 41 || c === 44 || c === 91 || c === 93 /* ( ) , [ ] */) {
      i++;
    } else if (c === 46 /* . */) {
      // `.5` is a number and `..` an operator to the lexer.
      const next = codeAt(text, i + 1);
      if (isDigit(next) || next === 46) return false;
      i++;
    } else if (c === 58 /* : */) {
      // Only the `::` cast (`:=`, `:::` and slices are left to the lexer).
      const after = codeAt(text, i + 2);
      if (codeAt(text, i + 1) !== 58 || after === 58 || after === 61) return false;
      i += 2;
    } else if (c === 59 /* ; */) {
      // The end of the one statement: only whitespace may follow.
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
 * The end of a run of operator characters when the whole run is one of the plain operators (the
 * lexer reads such a run as that one token), else -1: `--` and `/*` comments, `?` operators and
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

/** What may follow a literal: whitespace, the end, or punctuation and operators (not `.`, a quote or a word). */
function endsLiteral(c: number): boolean {
  return c < 0 || isSpace(c) || c === 40 || c === 41 || c === 44 || c === 59 || c === 91 || c === 93 || c === 58 || isOperatorChar(c);
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || isDigit(c);
}
