// A quote closed on the same line. At most one quote per line is left unclosed (a second one would
// close it), so each line is scanned at most twice: linear.
const QUOTED = /"[^"\n]+"|'[^'\n]+'/g;

/**
 * Replaces the contents of quoted fragments ("…" and '…', closed on the same line) with `?`.
 * Servers quote the offending value in error messages: `invalid input syntax for type integer:
 * "alice@example.com"`, `Incorrect integer value: 'x' for column 'age'`.
 */
export function redactQuotedFragments(text: string): string {
  if (text.indexOf('"') < 0 && text.indexOf("'") < 0) return text;
  return text.replace(QUOTED, (m) => `${m[0]}?${m[0]}`);
}

/**
 * PostgreSQL constraint details: `Key (email)=(alice@x.com) already exists.` keeps the column list
 * and replaces the values with `?`. Values may contain parentheses, so they run to the last ')'
 * before the end of the line.
 */
export function redactKeyDetails(text: string): string {
  let out = '';
  let last = 0;
  let from = 0;
  for (;;) {
    const key = text.indexOf('Key (', from);
    if (key < 0) break;
    let lineEnd = text.indexOf('\n', key);
    if (lineEnd < 0) lineEnd = text.length;
    from = lineEnd;
    const eq = text.indexOf(')=(', key);
    if (eq < 0 || eq > lineEnd) continue;
    const valueStart = eq + 3;
    const close = text.lastIndexOf(')', lineEnd - 1);
    if (close < valueStart) continue;
    out += text.slice(last, valueStart) + '?';
    last = close;
  }
  return last === 0 ? text : out + text.slice(last);
}
