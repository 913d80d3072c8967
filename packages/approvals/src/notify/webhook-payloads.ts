import type { ApprovalRequest } from '../approval-request.js';
import { approvalJson } from '../approval-request.js';

/** What happened to a request, as notifications report it. */
export type ApprovalNotice = 'requested' | 'approved' | 'denied' | 'expired' | 'executed' | 'cancelled';

export interface NoticeContext {
  readonly notice: ApprovalNotice;
  readonly request: ApprovalRequest;
  /** Who caused it (an approver), when someone did. */
  readonly actor?: string;
  /** Where approvers act: the admin API's base URL, for the message's hint. */
  readonly adminUrl?: string;
}

/** Generic JSON: the request as the admin API shows it, plus the notice. */
export function jsonPayload(context: NoticeContext): Record<string, unknown> {
  return {
    type: `approval.${context.notice}`,
    ...(context.actor !== undefined ? { actor: context.actor } : {}),
    request: approvalJson(context.request),
    ...(context.adminUrl !== undefined ? { approveUrl: `${context.adminUrl.replace(/\/$/, '')}/v1/approvals/${context.request.id}/approve` } : {}),
  };
}

/**
 * Slack-compatible incoming-webhook payload (`text` plus `blocks`; Mattermost and Teams' Slack
 * compatibility read `text`). The statement is the redacted text, so no value leaks into chat.
 */
export function slackPayload(context: NoticeContext): Record<string, unknown> {
  const { request, notice } = context;
  const head =
    notice === 'requested'
      ? `:hourglass: *Approval needed* — ${request.requester.id} on *${request.connection}* (${request.environment}), rule \`${request.rule}\`, risk ${request.risk.score}/10`
      : `*Approval ${request.id} ${notice}*${context.actor !== undefined ? ` by ${context.actor}` : ''} — ${request.requester.id} on ${request.connection}`;
  const how = notice === 'requested' ? `\nApprove: \`gatehouse approvals approve ${request.id}\` (or deny) — expires ${request.expiresAt.toISOString()}` : '';
  const statement = '```' + request.statement.replaceAll('```', "'''").slice(0, 2800) + '```';
  const text = `${head}\n${statement}${how}`;
  return {
    text,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}
