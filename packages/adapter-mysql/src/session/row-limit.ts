import type { Decision } from '@gatehouse/core';
import { PayloadCursor } from '../protocol/cursor.js';
import { PayloadWriter } from '../protocol/writer.js';

/**
 * The policy's row limit (`limit: { rows: N }`) for MySQL: the client gets at most N rows per result
 * set; a server-side cursor keeps one allowance across all its COM_STMT_FETCHes, so fetching in
 * batches cannot read past it. Rows past the limit are read from the server and dropped rather than
 * the statement killed: a KILL QUERY would abort the rest of a multi-statement text or a procedure,
 * and could hit the next statement by race. The client learns of the cut the MySQL way: a warning
 * counted in the result's terminator and listed by a following `SHOW WARNINGS`.
 */
export class RowAllowance {
  #left: number;

  constructor(readonly limit: number) {
    this.#left = limit;
  }

  /** Takes one row from the allowance; false when it is spent. */
  take(): boolean {
    if (this.#left === 0) return false;
    this.#left--;
    return true;
  }
}

/** A warning the gateway raised for a statement, as `SHOW WARNINGS` lists it. */
export interface GatewayWarning {
  readonly level: 'Note' | 'Warning';
  readonly code: number;
  readonly message: string;
}

/**
 * MariaDB's ER_QUERY_EXCEEDED_ROWS_EXAMINED_LIMIT ("… The query result may be incomplete"), the
 * server's own warning for a result cut short by a limit: clients that know it treat ours alike.
 */
export const RESULT_CUT_WARNING_CODE = 1931;

/** The warning for a result cut by the policy's row limit: the limit and the rules, never a value. */
export function rowLimitWarning(limit: number, decision: Decision): GatewayWarning {
  const rules = decision.rules.length > 0 ? ` (${decision.rules.join(', ')})` : '';
  return {
    level: 'Warning',
    code: RESULT_CUT_WARNING_CODE,
    message: `gatehouse: result cut to ${limit} row${limit === 1 ? '' : 's'} by policy${rules}; the remaining rows were not sent. Narrow the statement (WHERE, LIMIT) or ask a policy owner for a higher row limit`,
  };
}

/** How a diagnostics statement shows the warnings of the statement before it. */
export type DiagnosticsQuery = 'list' | 'count';

const SHOW_WARNINGS = /^\s*SHOW\s+WARNINGS\s*;?\s*$/i;
const SHOW_COUNT_WARNINGS = /^\s*(?:SHOW\s+COUNT\s*\(\s*\*\s*\)\s+WARNINGS|SELECT\s+@@(?:SESSION\.)?warning_count(?:\s+(?:AS\s+)?\w+)?)\s*;?\s*$/i;

/**
 * `SHOW WARNINGS` (list) and `SHOW COUNT(*) WARNINGS` / `SELECT @@warning_count [AS name]` (count) as written,
 * without LIMIT, comments or other statements: the forms the gateway adds its own warnings to. Any
 * other form runs as the server answers it (the count in the result's terminator still shows them).
 */
export function diagnosticsQueryOf(text: string): DiagnosticsQuery | undefined {
  if (text.length > 64) return undefined;
  if (SHOW_WARNINGS.test(text)) return 'list';
  if (SHOW_COUNT_WARNINGS.test(text)) return 'count';
  return undefined;
}

/** One text-protocol row of `SHOW WARNINGS` (Level, Code, Message). */
export function warningRow(warning: GatewayWarning, sequenceId: number): Buffer {
  return new PayloadWriter().lenencString(warning.level).lenencString(String(warning.code)).lenencString(warning.message).packet(sequenceId);
}

/**
 * The one-column text row of a warning count with `add` added; undefined when the row is not a
 * single decimal count (then it is forwarded as it came).
 */
export function addToCountRow(payload: Buffer, add: number, sequenceId: number): Buffer | undefined {
  if (payload[0] === 0xfb) return undefined; // NULL
  const c = new PayloadCursor(payload, 'warning count row');
  const text = c.lenencString('warning count');
  if (c.remaining !== 0 || !/^\d{1,10}$/.test(text)) return undefined;
  return new PayloadWriter().lenencString(String(Number(text) + add)).packet(sequenceId);
}
