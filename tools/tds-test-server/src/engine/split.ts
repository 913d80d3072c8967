/**
 * Splits a T-SQL batch into statements: at `;`, at `GO` lines, and before a few statement keywords
 * that start a line (T-SQL needs no semicolons: `SET NOCOUNT ON\nSELECT 1`). Quotes, bracketed
 * identifiers, comments and parentheses are respected. A stand-in's approximation, not T-SQL's parser.
 */
const SPLIT_BEFORE = /^(set|waitfor|print|begin\s+tran|commit|rollback|use|raiserror|throw|declare|create|drop|if\s+object_id)\b/i;
/** Statements that are complete on one line, so any statement keyword on the next line starts anew. */
const ONE_LINERS = /^(set|waitfor|print|begin\s+tran|commit|rollback|use|raiserror|throw|declare|drop)\b/i;
const STATEMENT = /^(select|insert|update|delete|with|exec|execute)\b/i;

export function splitBatch(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let depth = 0;
  let i = 0;
  let lineStart = true;
  const push = (): void => {
    const text = current.trim();
    if (text.length > 0) out.push(text);
    current = '';
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" ) {
      const end = skipQuoted(sql, i, "'");
      current += sql.slice(i, end);
      i = end;
      lineStart = false;
      continue;
    }
    if (c === '[') {
      const end = sql.indexOf(']', i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      current += sql.slice(i, stop);
      i = stop;
      lineStart = false;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      current += ' ';
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') depth = Math.max(0, depth - 1);
    if (c === ';' && depth === 0) {
      push();
      i++;
      continue;
    }
    if (c === '\n') {
      lineStart = true;
      current += c;
      i++;
      continue;
    }
    if (lineStart && depth === 0 && !/\s/.test(c)) {
      const rest = sql.slice(i, i + 40);
      if (/^go\s*($|\n)/i.test(sql.slice(i, i + 4) + '\n') && /^go\b/i.test(rest)) {
        push();
        const end = sql.indexOf('\n', i);
        i = end < 0 ? sql.length : end;
        continue;
      }
      const prev = current.trim();
      if (prev.length > 0 && (SPLIT_BEFORE.test(rest) || (ONE_LINERS.test(prev) && STATEMENT.test(rest)))) push();
      lineStart = false;
    }
    current += c;
    i++;
  }
  push();
  return out;
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}
