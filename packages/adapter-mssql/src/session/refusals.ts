import type { Decision } from '@gatehouse/core';
import type { GateResult } from '@gatehouse/proxy';

/**
 * The text of the ERROR 229 the client sees when the gate refuses a request: it names the rule(s)
 * and the policy's reason (policy text, never a literal from the statement).
 */
export function refusalMessage(decision: Decision, result: Exclude<GateResult, { proceed: true }>): string {
  const rules = decision.rules.length > 0 ? decision.rules.join(', ') : 'default deny';
  switch (result.reason) {
    case 'audit-unavailable':
      return 'gatehouse: statement not run: the audit trail could not record it; try again later';
    case 'approval-denied':
      return `gatehouse: approval denied (${rules}): ${result.message}`;
    case 'approval-expired':
      return `gatehouse: approval expired (${rules}): ${result.message}`;
    case 'approval-required':
      // A ticket carries the request id and how to get it approved in its message.
      return result.approvalId !== undefined ? `gatehouse: approval required (${rules}): ${result.message}` : `gatehouse: approval required (${rules}): ${decision.reason}`;
    default:
      return `gatehouse: statement refused (${rules}): ${decision.reason}`;
  }
}

/** The INFO text sent when a result was cut at the decision's row limit. */
export function rowLimitNotice(limit: number, decision: Decision): string {
  const rules = decision.rules.length > 0 ? decision.rules.join(', ') : 'policy';
  return `gatehouse: result cut at ${limit} rows by policy (${rules}); the remaining rows were not sent`;
}
