import type { Decision } from '@gatehouse/core';
import { noticeResponse } from '../protocol/messages/error-notice.js';
import { encodeCommandComplete } from '../protocol/messages/query.js';

/**
 * The policy's row limit (`limit: { rows: N }`): the client gets at most N DataRows per statement.
 * A simple-protocol result set has its own allowance; a portal keeps one across all its Executes,
 * so fetching in batches (Execute with a row count) cannot read past the limit. Rows past it are
 * read from the upstream and dropped rather than cancelled: a cancel would abort the rest of a
 * multi-statement Query or the transaction block, and could hit the next statement by race.
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

/** One response (a result set, or one Execute of a portal) as it draws on its statement's allowance. */
export class LimitedResponse {
  /** DataRows forwarded in this response. */
  sent = 0;
  /** DataRows dropped because the allowance was spent. */
  dropped = 0;

  constructor(readonly allowance: RowAllowance) {}

  admit(): boolean {
    if (this.allowance.take()) {
      this.sent++;
      return true;
    }
    this.dropped++;
    return false;
  }

  get cut(): boolean {
    return this.dropped > 0;
  }
}

/** The NoticeResponse that tells the client its result was cut: the limit and the rules, never a value. */
export function rowLimitNotice(limit: number, decision: Decision): Buffer {
  const rules = decision.rules.length > 0 ? ` (${decision.rules.join(', ')})` : '';
  return noticeResponse({
    severity: 'NOTICE',
    code: '01000',
    message: `gatehouse: result cut to ${limit} row${limit === 1 ? '' : 's'} by policy${rules}; the remaining rows were not sent`,
    hint: 'Narrow the statement (WHERE, LIMIT) or ask a policy owner for a higher row limit.',
  });
}

/** Tags whose count is the number of rows returned; other tags (INSERT … RETURNING, …) count rows written. */
const RETURNED_ROWS_TAG = /^(SELECT|FETCH) \d+$/;

/**
 * The CommandComplete the client gets for a cut response: `SELECT 1000` for the rows it got. A
 * write's tag (`UPDATE 5000` with RETURNING) keeps the server's count, which is what was written.
 * A portal suspended by its Execute's row count is reported complete, since the client gets no
 * more of it; the tag then names the statement's operation.
 */
export function cutCommandComplete(tag: string | undefined, sent: number, operation: string): Buffer {
  if (tag === undefined) return encodeCommandComplete(operation === 'INSERT' ? `INSERT 0 ${sent}` : `${suspendedTagWord(operation)} ${sent}`);
  const match = RETURNED_ROWS_TAG.exec(tag);
  return encodeCommandComplete(match ? `${match[1]} ${sent}` : tag);
}

function suspendedTagWord(operation: string): string {
  return ['UPDATE', 'DELETE', 'MERGE', 'FETCH'].includes(operation) ? operation : 'SELECT';
}
