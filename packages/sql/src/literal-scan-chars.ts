/*
 * Character reading shared by the dialects' one-pass literal-shape scans (postgres/, mysql/ and
 * mssql/literal-shape.ts). Codes, not strings: the scans read the text by charCodeAt.
 */

/**
 * The character code at `i`, or -1 past the end: reading past the end (NaN from charCodeAt) makes
 * V8 drop a scan's optimised code, several times before it settles.
 */
export function codeAt(text: string, i: number): number {
  return i < text.length ? text.charCodeAt(i) : -1;
}

export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** ASCII letters and `_`: where an unquoted name may start in every dialect's scan. */
export function isWordStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/**
 * Past the closing `quote` of a quoted body starting at `from`, where the quote doubled stands for
 * itself ('it''s', "a""b", [a]]b], `a``b`), or -1 when the body never closes.
 */
export function closingDoubledQuote(text: string, from: number, quote: number): number {
  const closer = String.fromCharCode(quote);
  let i = from;
  for (;;) {
    const close = text.indexOf(closer, i);
    if (close < 0) return -1;
    if (codeAt(text, close + 1) !== quote) return close + 1;
    i = close + 2;
  }
}
