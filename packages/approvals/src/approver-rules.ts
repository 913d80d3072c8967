import { ApprovalForbiddenError } from './errors.js';
import type { ApprovalRequest } from './approval-request.js';

/** Who is deciding, as the admin API authenticated them. */
export interface Approver {
  readonly id: string;
  readonly groups: readonly string[];
}

/**
 * Throws unless `approver` may vote on `request`: never the requester (no self-approval, even for
 * an admin), at most one vote each, and — when the rule names approvers — only those users or
 * members of those groups. A rule that names nobody leaves the decision to the admin API's
 * `approver` role alone.
 */
export function checkApprover(request: ApprovalRequest, approver: Approver): void {
  if (approver.id === request.requester.id) {
    throw new ApprovalForbiddenError('self-approval', `${approver.id} asked for approval ${request.id} and cannot approve or deny it; another approver must`);
  }
  if (request.votes.some((vote) => vote.approver === approver.id)) {
    throw new ApprovalForbiddenError('already-voted', `${approver.id} has already voted on approval ${request.id}`);
  }
  const { users, groups } = request.approvers;
  if (users.length === 0 && groups.length === 0) return;
  if (users.includes(approver.id) || approver.groups.some((group) => groups.includes(group))) return;
  const named = [...users.map((user) => `user ${user}`), ...groups.map((group) => `group ${group}`)].join(', ');
  throw new ApprovalForbiddenError('not-an-approver', `${approver.id} may not decide approval ${request.id}: rule ${request.rule} allows ${named}`);
}
