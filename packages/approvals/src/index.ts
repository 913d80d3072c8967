export { ApprovalError, ApprovalNotFoundError, ApprovalForbiddenError, ApprovalStateError, ApprovalConfigError } from './errors.js';
export { APPROVAL_REQUEST_STATES, approvalJson } from './approval-request.js';
export type { ApprovalRequest, ApprovalRequestState, ApprovalVote, ApproverRule, Requester } from './approval-request.js';
export { checkApprover } from './approver-rules.js';
export type { Approver } from './approver-rules.js';
export { Approvals, fingerprintOf, newApprovalId } from './approvals.js';
export type {
  ApprovalChange,
  ApprovalGateOptions,
  ApprovalGateResult,
  ApprovalsOptions,
  ReviewedStatement,
  StatementContext,
} from './approvals.js';
export type { ApprovalStore, ApprovalListFilter, GrantTerms, VoteInput } from './store/approval-store.js';
export { SqlApprovalStore } from './store/sql-approval-store.js';
export type { SqlApprovalStoreOptions } from './store/sql-approval-store.js';
export { openEmbeddedApprovalStore, openPostgresApprovalStore, openApprovalStoreOn } from './store/open-stores.js';
export { WebhookNotifier, WEBHOOK_FORMATS } from './notify/webhook-notifier.js';
export type { WebhookFailure, WebhookFormat, WebhookNotifierOptions, WebhookStats, WebhookTarget } from './notify/webhook-notifier.js';
export { jsonPayload, slackPayload } from './notify/webhook-payloads.js';
export type { ApprovalNotice, NoticeContext } from './notify/webhook-payloads.js';
