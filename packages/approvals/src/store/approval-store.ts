import type { Approver } from '../approver-rules.js';
import type { ApprovalRequest, ApprovalRequestState } from '../approval-request.js';

export interface ApprovalListFilter {
  readonly state?: ApprovalRequestState;
  readonly requester?: string;
  readonly connection?: string;
  /** Newest first; default 100. */
  readonly limit?: number;
}

/** What an approved request allows: how long and how many runs (ticket mode; hold runs once). */
export interface GrantTerms {
  readonly ttlMs: number;
  readonly uses: number;
}

export interface VoteInput {
  readonly approver: Approver;
  readonly verdict: 'approve' | 'deny';
  readonly comment?: string;
  readonly at: Date;
  readonly grant: GrantTerms;
}

/**
 * Where approval requests live: the control-plane store every replica shares. Each state change is
 * one conditional UPDATE (or a row-locked transaction for votes), so two replicas racing to expire,
 * approve or run the same request agree on one winner.
 */
export interface ApprovalStore {
  create(request: ApprovalRequest): Promise<void>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  list(filter?: ApprovalListFilter): Promise<ApprovalRequest[]>;
  /** A pending request for the same principal, connection and fingerprint (tickets are not duplicated). */
  findPending(requester: string, connection: string, fingerprint: string): Promise<ApprovalRequest | undefined>;
  /**
   * Records one vote under a row lock, after checkApprover; an approval reaching minApprovals
   * approves, any deny denies. A request past its expiry is expired instead (and the vote refused).
   */
  vote(id: string, vote: VoteInput): Promise<ApprovalRequest>;
  /** Moves a request from one of `from` to `to`; undefined when it was not in one of them. */
  transition(id: string, from: readonly ApprovalRequestState[], to: ApprovalRequestState, at: Date): Promise<ApprovalRequest | undefined>;
  /** Uses one run of this approved request (held statements); executed once none remain. */
  useGrant(id: string, at: Date): Promise<ApprovalRequest | undefined>;
  /** Uses one run of an approved ticket for this principal, connection and fingerprint, if any. */
  useTicket(requester: string, connection: string, fingerprint: string, at: Date): Promise<ApprovalRequest | undefined>;
  /** Expires every pending request past its expiry; returns those this call expired. */
  expireDue(at: Date): Promise<ApprovalRequest[]>;
  close(): Promise<void>;
}
