import { SqlServerError } from './database.js';
import { unquote } from './types.js';
import type { SqliteValue } from './types.js';

// SQLite neither fails conversions nor names the duplicate value; SQL Server does both, and its
// messages carry the offending values (which the gateway must redact). These two recreate the
// messages for the statement shapes tests use, worded as SQL Server words them.

const CONVERSION = /\b(?:cast\s*\(\s*(N?)'((?:[^']|'')*)'\s+as\s+(int|bigint|smallint|tinyint)\s*\)|convert\s*\(\s*(int|bigint|smallint|tinyint)\s*,\s*(N?)'((?:[^']|'')*)'\s*\))/i;

/** Msg 245: a string literal cast to an integer type that does not hold an integer. */
export function conversionFailure(tsql: string): SqlServerError | undefined {
  const m = CONVERSION.exec(tsql);
  if (!m) return undefined;
  const unicode = (m[1] ?? m[5]) === 'N';
  const text = (m[2] ?? m[6]!).replace(/''/g, "'");
  const type = (m[3] ?? m[4]!).toLowerCase();
  if (/^\s*[-+]?\d+\s*$/.test(text)) return undefined;
  return new SqlServerError(245, `Conversion failed when converting the ${unicode ? 'nvarchar' : 'varchar'} value '${text}' to data type ${type}.`);
}

const SINGLE_ROW_INSERT = /^insert\s+into\s+((?:\[[^\]]+\]|"[^"]+"|[\w#.])+)\s*\(([^)]*)\)\s*values\s*\((.*)\)\s*;?\s*$/is;

/**
 * Msg 2627 as SQL Server words it, with the duplicate key value, for a single-row
 * `INSERT INTO t (cols) VALUES (…)`; other statements keep the message they had.
 */
export function withDuplicateKeyValue(error: SqlServerError, tsql: string, params: Readonly<Record<string, SqliteValue>>): SqlServerError {
  if (error.number !== 2627) return error;
  const column = /\(\w+\.(\w+)\)/.exec(error.message)?.[1];
  const m = SINGLE_ROW_INSERT.exec(tsql);
  if (!column || !m) return error;
  const table = unquote(m[1]!);
  const columns = m[2]!.split(',').map((name) => unquote(name).toLowerCase());
  const values = splitValues(m[3]!);
  const at = columns.indexOf(column.toLowerCase());
  if (at < 0 || values[at] === undefined) return error;
  const value = valueText(values[at]!, params);
  return new SqlServerError(
    2627,
    `Violation of PRIMARY KEY constraint 'PK_${table}'. Cannot insert duplicate key in object 'dbo.${table}'. The duplicate key value is (${value}).`,
    14,
    1,
  );
}

/** A VALUES list split at top-level commas (quotes respected). */
function splitValues(list: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of list) {
    if (ch === "'") quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  out.push(current.trim());
  return out;
}

function valueText(expression: string, params: Readonly<Record<string, SqliteValue>>): string {
  if (expression.startsWith('@')) {
    const value = params[expression] ?? params[expression.toLowerCase()];
    return value === null || value === undefined ? 'NULL' : String(value);
  }
  const literal = /^N?'((?:[^']|'')*)'$/s.exec(expression);
  return literal ? literal[1]!.replace(/''/g, "'") : expression;
}
