import { GatehouseError } from '@gatehouse/core';

/** Base of every approvals error; `code` is stable (`approvals.*`). */
export class ApprovalError extends GatehouseError {}

export class ApprovalNotFoundError extends ApprovalError {
  constructor(id: string) {
    super('approvals.not-found', `approval request ${id} does not exist; list pending ones with \`gatehouse approvals list\``);
  }
}

/** The approver may not decide this request (self-approval, not a named approver, voted already). */
export class ApprovalForbiddenError extends ApprovalError {
  readonly reason: 'self-approval' | 'not-an-approver' | 'already-voted';

  constructor(reason: ApprovalForbiddenError['reason'], message: string) {
    super(`approvals.${reason}`, message);
    this.reason = reason;
  }
}

/** The request is no longer pending (approved, denied, expired, executed or cancelled). */
export class ApprovalStateError extends ApprovalError {
  constructor(id: string, state: string) {
    super('approvals.not-pending', `approval request ${id} is ${state}, not pending; only pending requests can be approved or denied`);
  }
}

export class ApprovalConfigError extends ApprovalError {
  constructor(message: string) {
    super('approvals.config', message);
  }
}
