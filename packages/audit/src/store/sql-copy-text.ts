/*
 * Rows in PostgreSQL's COPY text format (tab between fields, newline after each row, \N for NULL):
 * what the embedded index bulk-loads. COPY parses a field with one scan where json_to_recordset
 * first builds and then walks a json value per row, and the rows need no JSON.stringify.
 */

/** A text field: backslash, tab, newline and carriage return escaped (COPY's text-format escapes). */
export function copyText(value: string | null): string {
  if (value === null) return '\\N';
  // Canonical JSON bodies and search keys rarely hold any of the four: one test, no copy.
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, escapeChar) : value;
}

/**
 * A text[] field: every element double-quoted (so commas, braces, spaces and the word NULL stay
 * text), `"` and `\` backslash-escaped for the array parser, then the whole literal escaped for COPY.
 */
export function copyTextArray(values: readonly string[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (i > 0) literal += ',';
    literal += ARRAY_QUOTE.test(value) ? `"${value.replace(ARRAY_QUOTE_ALL, '\\$&')}"` : `"${value}"`;
  }
  return copyText(`${literal}}`);
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPED = /[\\\t\n\r]/g;
const ARRAY_QUOTE = /["\\]/;
const ARRAY_QUOTE_ALL = /["\\]/g;

function escapeChar(char: string): string {
  switch (char) {
    case '\t':
      return '\\t';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    default:
      return '\\\\';
  }
}
