import type { PrincipalKind, ReviewMode } from '@gatehouse/core';

/**
 * pending → approved → executed (the statement ran; a ticket grant used up), or pending → denied |
 * expired | cancelled (the client cancelled a held statement).
 */
export const APPROVAL_REQUEST_STATES = ['pending', 'approved', 'denied', 'expired', 'executed', 'cancelled'] as const;
export type ApprovalRequestState = (typeof APPROVAL_REQUEST_STATES)[number];

/** Who asked: the principal without token attributes (they may carry tenant data). */
export interface Requester {
  readonly id: string;
  readonly groups: readonly string[];
  readonly kind: PrincipalKind;
  readonly via: string;
}

/** Who may decide, from the policy rule's review obligation. */
export interface ApproverRule {
  readonly groups: readonly string[];
  readonly users: readonly string[];
  readonly minApprovals: number;
}

export interface ApprovalVote {
  readonly approver: string;
  readonly verdict: 'approve' | 'deny';
  readonly at: Date;
  readonly comment?: string;
}

/** One statement waiting for (or past) a human decision. Only redacted text, never a literal. */
export interface ApprovalRequest {
  readonly id: string;
  readonly state: ApprovalRequestState;
  readonly mode: ReviewMode;
  readonly requester: Requester;
  readonly sessionId?: string;
  readonly connection: string;
  readonly environment: string;
  readonly dialect: string;
  readonly fingerprint: string;
  readonly statement: string;
  readonly risk: { readonly score: number; readonly factors: readonly string[] };
  readonly rule: string;
  readonly approvers: ApproverRule;
  readonly createdAt: Date;
  /** A pending request expires at this time (the rule's timeout). */
  readonly expiresAt: Date;
  readonly decidedAt?: Date;
  /** Ticket mode: the approved statement may run until then… */
  readonly grantExpiresAt?: Date;
  /** …this many more times. */
  readonly usesLeft: number;
  readonly votes: readonly ApprovalVote[];
}

/** A request as the admin API and the CLI print it: plain JSON, ISO timestamps. */
export function approvalJson(request: ApprovalRequest): Record<string, unknown> {
  return {
    ...request,
    createdAt: request.createdAt.toISOString(),
    expiresAt: request.expiresAt.toISOString(),
    ...(request.decidedAt ? { decidedAt: request.decidedAt.toISOString() } : {}),
    ...(request.grantExpiresAt ? { grantExpiresAt: request.grantExpiresAt.toISOString() } : {}),
    votes: request.votes.map((vote) => ({ ...vote, at: vote.at.toISOString() })),
  };
}
