import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Action, Decision, Principal, ReviewObligation } from '@gatehouse/core';
import type { ApprovalRequest, ApprovalRequestState } from './approval-request.js';
import type { Approver } from './approver-rules.js';
import { ApprovalNotFoundError } from './errors.js';
import type { ApprovalListFilter, ApprovalStore, GrantTerms } from './store/approval-store.js';

/** Where and by whom a statement was sent. */
export interface StatementContext {
  readonly sessionId: string;
  readonly principal: Principal;
  readonly target: { readonly connection: string; readonly environment: string; readonly dialect: string };
}

export interface ReviewedStatement {
  readonly actions: readonly Action[];
  readonly decision: Decision;
}

/** A state change, for the audit trail and notifications. `actor` is absent for expiry. */
export interface ApprovalChange {
  readonly request: ApprovalRequest;
  readonly state: ApprovalRequestState;
  readonly actor?: string;
  readonly comment?: string;
}

/** What the approvals gate says; structurally a @gatehouse/proxy GateResult plus the request id. */
export type ApprovalGateResult =
  | { readonly proceed: true; readonly approvalId?: string }
  | {
      readonly proceed: false;
      readonly reason: 'approval-required' | 'approval-denied' | 'approval-expired';
      readonly message: string;
      readonly approvalId?: string;
      /** The client cancelled while the statement was held. */
      readonly cancelled?: boolean;
    };

export interface ApprovalGateOptions {
  /** The client cancelled the held statement (PostgreSQL CancelRequest, a closed connection). */
  readonly signal?: AbortSignal;
  /**
   * Called once the request id is known and before any wait: the gateway writes the statement's
   * audit record here (with approvalId), so a held statement is on record while it waits.
   */
  readonly record?: (approvalId: string | undefined) => Promise<void> | void;
}

export interface ApprovalsOptions {
  readonly store: ApprovalStore;
  /** How long an approved ticket may be used (default 15 min). */
  readonly ticketTtlMs?: number;
  /** How many runs an approved ticket allows (default 1). */
  readonly ticketUses?: number;
  /** How often a held statement re-reads the shared store for a decision made on another replica (default 500 ms). */
  readonly pollMs?: number;
  /** How often pending requests past their expiry are expired (default 5 s; 0: never, tests call sweep()). */
  readonly sweepMs?: number;
  /** Every state change; awaited, so an audit write that fails fails the step that caused it. */
  readonly onChange?: (change: ApprovalChange) => Promise<void> | void;
  /** Background failures (the sweeper). */
  readonly onError?: (error: unknown) => void;
  readonly now?: () => Date;
}

const DEFAULT_TICKET_TTL_MS = 15 * 60_000;

/**
 * The approvals service: turns `review` decisions into requests, holds or tickets them, and lets
 * approvers decide. All state is in the store, so any replica can approve a request and any replica
 * holding the statement sees it (at once on the same replica, within `pollMs` on another).
 */
export class Approvals {
  readonly store: ApprovalStore;
  readonly #options: ApprovalsOptions;
  readonly #wake = new EventEmitter();
  readonly #sweeper: NodeJS.Timeout | undefined;

  constructor(options: ApprovalsOptions) {
    this.store = options.store;
    this.#options = options;
    this.#wake.setMaxListeners(0);
    const sweepMs = options.sweepMs ?? 5000;
    if (sweepMs > 0) {
      this.#sweeper = setInterval(() => void this.sweep().catch((error: unknown) => options.onError?.(error)), sweepMs);
      this.#sweeper.unref();
    }
  }

  /**
   * The gate for one decided statement. Not a review: proceeds (allow/deny are the decision's).
   * Ticket: an approved grant for this principal, connection and fingerprint proceeds (one use);
   * otherwise a request is opened (or the pending one reused) and the statement refused with its id.
   * Hold: a request is opened and the statement waits until it is decided, expires or is cancelled.
   */
  async gate(context: StatementContext, statement: ReviewedStatement, options: ApprovalGateOptions = {}): Promise<ApprovalGateResult> {
    const review = statement.decision.effect === 'review' ? statement.decision.obligations.review : undefined;
    if (!review) {
      await options.record?.(undefined);
      if (statement.decision.effect === 'review') return { proceed: false, reason: 'approval-required', message: statement.decision.reason };
      return { proceed: true };
    }
    const fingerprint = fingerprintOf(statement.actions);
    const { principal, target } = context;
    if (review.mode === 'ticket') {
      const granted = await this.store.useTicket(principal.id, target.connection, fingerprint, this.#now());
      if (granted) {
        if (granted.state === 'executed') await this.#changed({ request: granted, state: 'executed', actor: principal.id });
        await options.record?.(granted.id);
        return { proceed: true, approvalId: granted.id };
      }
      const request = (await this.store.findPending(principal.id, target.connection, fingerprint)) ?? (await this.#open(context, statement, review, fingerprint));
      await options.record?.(request.id);
      return { proceed: false, reason: 'approval-required', message: this.#ticketMessage(request), approvalId: request.id };
    }
    const request = await this.#open(context, statement, review, fingerprint);
    await options.record?.(request.id);
    const settled = await this.wait(request, options.signal);
    switch (settled.state) {
      case 'approved': {
        const used = await this.store.useGrant(settled.id, this.#now());
        if (!used) return { proceed: false, reason: 'approval-expired', message: `approval ${settled.id} was approved but can no longer be used`, approvalId: settled.id };
        await this.#changed({ request: used, state: 'executed', actor: principal.id });
        return { proceed: true, approvalId: settled.id };
      }
      case 'denied': {
        const by = settled.votes.find((vote) => vote.verdict === 'deny');
        const detail = by ? ` by ${by.approver}${by.comment ? `: ${by.comment}` : ''}` : '';
        return { proceed: false, reason: 'approval-denied', message: `approval ${settled.id} denied${detail}`, approvalId: settled.id };
      }
      case 'cancelled':
        return { proceed: false, reason: 'approval-denied', message: `approval ${settled.id} cancelled by the client`, approvalId: settled.id, cancelled: true };
      default:
        return { proceed: false, reason: 'approval-expired', message: `approval ${settled.id} expired at ${settled.expiresAt.toISOString()} without a decision`, approvalId: settled.id };
    }
  }

  /** Waits until the request is no longer pending: decided, expired, or cancelled through `signal`. */
  async wait(request: ApprovalRequest, signal?: AbortSignal): Promise<ApprovalRequest> {
    let current = request;
    const pollMs = this.#options.pollMs ?? 500;
    while (current.state === 'pending') {
      if (signal?.aborted) {
        const cancelled = await this.store.transition(current.id, ['pending'], 'cancelled', this.#now());
        if (cancelled) {
          await this.#changed({ request: cancelled, state: 'cancelled', actor: current.requester.id });
          return cancelled;
        }
      } else {
        const remaining = current.expiresAt.getTime() - this.#now().getTime();
        if (remaining <= 0) {
          const expired = await this.store.transition(current.id, ['pending'], 'expired', this.#now());
          if (expired) {
            await this.#changed({ request: expired, state: 'expired' });
            return expired;
          }
        } else {
          await this.#sleep(current.id, Math.min(pollMs, remaining), signal);
        }
      }
      const next = await this.store.get(current.id);
      if (!next) throw new ApprovalNotFoundError(current.id);
      current = next;
    }
    return current;
  }

  approve(id: string, approver: Approver, comment?: string): Promise<ApprovalRequest> {
    return this.#vote(id, approver, 'approve', comment);
  }

  deny(id: string, approver: Approver, comment?: string): Promise<ApprovalRequest> {
    return this.#vote(id, approver, 'deny', comment);
  }

  async get(id: string): Promise<ApprovalRequest> {
    const request = await this.store.get(id);
    if (!request) throw new ApprovalNotFoundError(id);
    return request;
  }

  list(filter?: ApprovalListFilter): Promise<ApprovalRequest[]> {
    return this.store.list(filter);
  }

  /** Expires pending requests past their time (tickets nobody waits on); returns how many. */
  async sweep(): Promise<number> {
    const expired = await this.store.expireDue(this.#now());
    for (const request of expired) {
      await this.#changed({ request, state: 'expired' });
      this.#wake.emit(request.id);
    }
    return expired.length;
  }

  /** Stops the sweeper; the store is the caller's to close. */
  close(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
  }

  async #vote(id: string, approver: Approver, verdict: 'approve' | 'deny', comment: string | undefined): Promise<ApprovalRequest> {
    const before = await this.get(id);
    const grant: GrantTerms = before.mode === 'ticket' ? { ttlMs: this.#options.ticketTtlMs ?? DEFAULT_TICKET_TTL_MS, uses: this.#options.ticketUses ?? 1 } : { ttlMs: 60_000, uses: 1 };
    let after: ApprovalRequest;
    try {
      after = await this.store.vote(id, { approver, verdict, at: this.#now(), grant, ...(comment !== undefined ? { comment } : {}) });
    } catch (error) {
      // A vote on an overdue request expired it: report that change, then the refusal.
      const now = await this.store.get(id);
      if (before.state === 'pending' && now?.state === 'expired') {
        await this.#changed({ request: now, state: 'expired' });
        this.#wake.emit(id);
      }
      throw error;
    }
    if (after.state !== 'pending') {
      await this.#changed({ request: after, state: after.state, actor: approver.id, ...(comment !== undefined ? { comment } : {}) });
    }
    this.#wake.emit(id);
    return after;
  }

  async #open(context: StatementContext, statement: ReviewedStatement, review: ReviewObligation, fingerprint: string): Promise<ApprovalRequest> {
    const createdAt = this.#now();
    const { principal, target } = context;
    const request: ApprovalRequest = {
      id: newApprovalId(),
      state: 'pending',
      mode: review.mode,
      requester: { id: principal.id, groups: [...principal.groups], kind: principal.kind, via: principal.via },
      sessionId: context.sessionId,
      connection: target.connection,
      environment: target.environment,
      dialect: target.dialect,
      fingerprint,
      statement: statement.actions.map((action) => action.redactedText).join('; '),
      risk: { score: statement.decision.risk.score, factors: statement.decision.risk.factors.map((factor) => factor.name) },
      rule: review.rule,
      approvers: { groups: [...review.approvers.groups], users: [...review.approvers.users], minApprovals: Math.max(1, review.minApprovals) },
      createdAt,
      expiresAt: new Date(createdAt.getTime() + review.timeoutMs),
      usesLeft: 0,
      votes: [],
    };
    await this.store.create(request);
    await this.#changed({ request, state: 'pending', actor: principal.id });
    return request;
  }

  #ticketMessage(request: ApprovalRequest): string {
    const ttl = Math.round((this.#options.ticketTtlMs ?? DEFAULT_TICKET_TTL_MS) / 60_000);
    return (
      `approval required (rule ${request.rule}): request ${request.id} is pending until ${request.expiresAt.toISOString()}; ` +
      `an approver runs \`gatehouse approvals approve ${request.id}\`, then run the same statement again within ${ttl} min`
    );
  }

  async #changed(change: ApprovalChange): Promise<void> {
    await this.#options.onChange?.(change);
  }

  /** Sleeps up to `ms`, waking early when this replica decides the request or the client cancels. */
  #sleep(id: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake.off(id, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake.on(id, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }
}

/** Several actions (a multi-statement query) are one request: their fingerprints in order. */
export function fingerprintOf(actions: readonly Action[]): string {
  return actions.map((action) => action.fingerprint).join('; ');
}

/** Short enough to type into `gatehouse approvals approve`, random enough not to guess. */
export function newApprovalId(): string {
  return `apr_${randomBytes(8).toString('hex')}`;
}
