import type { Action, Decision } from '@gatehouse/core';
import { fetchedCursor } from './sql-cursor-names.js';

export const ROW_LIMIT_RULE = 'gatehouse:row-limit';

/**
 * Statements a row limit cannot be enforced on with certainty are refused rather than run uncut:
 * - COPY … TO STDOUT: a bulk export, in formats (binary, custom delimiters) the gateway cannot
 *   always cut row by row; a truncated dump is also easy to mistake for a whole one. SELECT works.
 * - FETCH from a SQL cursor whose name the gateway cannot read exactly as the server does, or
 *   inside a multi-statement query: its rows could not be counted against the right cursor. This
 *   holds as soon as the session opened a cursor under a limit, whatever the FETCH's own decision.
 */
export function rowLimitRefusal(decision: Decision, actions: readonly Action[], limitedCursors: boolean): Decision | undefined {
  const limit = decision.obligations.rowLimit;
  if ((limit === undefined && !limitedCursors) || decision.effect === 'deny') return undefined;
  const limitedBy = decision.rules.length > 0 ? ` (${decision.rules.join(', ')})` : '';
  // A FETCH's own decision may carry no limit while the cursor it reads was opened under one.
  const under = limit !== undefined ? `under the row limit of ${limit}${limitedBy}` : 'with cursors open under a row limit';
  let problem: string | undefined;
  for (const action of actions) {
    if (action.operation === 'COPY' && action.category === 'read' && limit !== undefined) {
      problem = `COPY … TO STDOUT cannot be cut to the row limit of ${limit}${limitedBy}; use SELECT, which is cut with a notice`;
    } else if (action.operation === 'FETCH' && actions.length > 1) {
      problem = `${under}, FETCH must be sent as a statement of its own`;
    } else if (action.operation === 'FETCH' && fetchedCursor(action) === undefined) {
      problem = `${under}, FETCH needs a plain or double-quoted cursor name`;
    }
    if (problem) break;
  }
  if (!problem) return undefined;
  return {
    effect: 'deny',
    rules: [ROW_LIMIT_RULE],
    reason: problem,
    risk: decision.risk,
    obligations: { audit: decision.obligations.audit },
    observed: decision.observed,
  };
}
