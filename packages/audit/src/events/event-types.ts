import type { Category, Effect, Flag, ObjectAccess, ObjectKind, PrincipalKind } from '@gatehouse/core';

/**
 * Audit events as stored: plain JSON (ISO timestamps, no Dates), so the same object is hashed,
 * stored, searched, printed by `--json` and served over HTTP. No field ever holds a literal, a
 * parameter value or a result value: statements appear as redacted text and fingerprints, and
 * values only as keyed HMAC digests (see digest/literal-digests.ts).
 */
export const AUDIT_EVENT_TYPES = [
  'session.start',
  'session.end',
  'statement',
  'statement.result',
  'auth.refused',
  'approval',
  'reload',
  'admin',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** Who acted, without token attributes (they can carry tenant data and are not needed to audit). */
export interface AuditPrincipal {
  readonly id: string;
  readonly groups: readonly string[];
  readonly kind: PrincipalKind;
  readonly via: string;
}

/** Fields every event has; the indexed ones are what search filters on. */
export interface AuditEventBase {
  readonly type: AuditEventType;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly sessionId?: string;
  readonly principal?: AuditPrincipal;
  readonly connection?: string;
  readonly environment?: string;
  /** How many literal-looking fragments the defensive guard blanked out of this event (should be 0). */
  readonly guardRedactions?: number;
}

export interface AuditClient {
  readonly address: string;
  readonly application?: string;
}

export interface AuditTls {
  readonly enabled: boolean;
  readonly version?: string;
}

export interface SessionStartEvent extends AuditEventBase {
  readonly type: 'session.start';
  readonly sessionId: string;
  readonly principal: AuditPrincipal;
  /** How the client proved who it is on the wire, e.g. 'cleartext-in-tls'; principal.via says which token kind. */
  readonly authMethod?: string;
  readonly client: AuditClient;
  readonly dialect: string;
  readonly database?: string;
  readonly tls: AuditTls;
}

export interface SessionEndEvent extends AuditEventBase {
  readonly type: 'session.end';
  readonly sessionId: string;
  readonly durationMs: number;
  readonly statements: number;
}

export interface AuditObject {
  readonly name: string;
  readonly kind: ObjectKind;
  readonly access: ObjectAccess;
  readonly columns?: readonly string[];
}

export interface AuditAction {
  readonly category: Category;
  readonly operation: string;
  readonly objects: readonly AuditObject[];
  readonly flags: readonly Flag[];
  readonly fingerprint: string;
}

export interface AuditDecision {
  readonly effect: Effect;
  readonly rules: readonly string[];
  readonly reason: string;
  readonly risk: { readonly score: number; readonly factors: readonly string[] };
}

/** Written when the decision is made, i.e. before the statement is forwarded. */
export interface StatementEvent extends AuditEventBase {
  readonly type: 'statement';
  readonly sessionId: string;
  readonly statementId: string;
  readonly dialect: string;
  readonly fingerprint: string;
  readonly redactedText: string;
  readonly actions: readonly AuditAction[];
  readonly decision: AuditDecision;
  readonly approvalId?: string;
  /** HMAC-SHA256 digests of (object.column, value) pairs; see literalDigests(). */
  readonly literalDigests?: readonly string[];
  /** True when the statement went upstream rewritten (row filters) rather than as the client sent it. */
  readonly rewritten?: true;
  /** The text that went upstream, literals redacted (the filter values are never in the trail). */
  readonly rewrittenText?: string;
  /**
   * The statement's result, when it arrived before the record was written (connections in `async`
   * durability): one event instead of a statement and a statement.result. Absent: the result, if
   * any, is a separate statement.result event with the same statementId.
   */
  readonly result?: StatementResult;
}

/** What a statement.result event says about the result, without its envelope. */
export interface StatementResult {
  readonly outcome: 'ok' | 'error' | 'blocked' | 'cancelled';
  readonly rowsReturned?: number;
  readonly rowsAffected?: number;
  readonly durationMs: number;
  readonly maskedValues?: number;
  readonly errorCode?: string;
}

/** Written when the statement finished (or failed), linked by statementId. */
export interface StatementResultEvent extends AuditEventBase {
  readonly type: 'statement.result';
  readonly sessionId: string;
  readonly statementId: string;
  readonly outcome: 'ok' | 'error' | 'blocked' | 'cancelled';
  readonly rowsReturned?: number;
  readonly rowsAffected?: number;
  readonly durationMs: number;
  readonly maskedValues?: number;
  readonly errorCode?: string;
}

export interface AuthRefusedEvent extends AuditEventBase {
  readonly type: 'auth.refused';
  readonly client: AuditClient;
  readonly dialect?: string;
  /** The user name the client presented (not a credential). */
  readonly claimedUser?: string;
  readonly authMethod?: string;
  /** A stable reason code: 'bad-token', 'expired-token', 'tls-required', 'unknown-connection', … */
  readonly reason: string;
  readonly tls: AuditTls;
}

export const APPROVAL_STATES = ['pending', 'approved', 'denied', 'expired', 'executed', 'cancelled'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

export interface ApprovalEvent extends AuditEventBase {
  readonly type: 'approval';
  readonly approvalId: string;
  readonly state: ApprovalState;
  /** Who caused the change (an approver, or the requester for 'pending'/'cancelled'); absent for expiry. */
  readonly actor?: string;
  /** principal = the requester. */
  readonly fingerprint?: string;
  readonly rule?: string;
  readonly comment?: string;
}

export interface ReloadEvent extends AuditEventBase {
  readonly type: 'reload';
  readonly what: 'policy' | 'config';
  readonly outcome: 'applied' | 'rejected';
  /** Where it came from (a file path, 'admin-api'). */
  readonly source: string;
  /** SHA-256 of the loaded document, so two replicas can be compared. */
  readonly digest?: string;
  readonly problems?: number;
  readonly actor?: string;
}

export interface AdminEvent extends AuditEventBase {
  readonly type: 'admin';
  readonly actor: string;
  readonly roles: readonly string[];
  /** Dotted verb: 'approvals.approve', 'audit.search', 'sessions.terminate'. */
  readonly action: string;
  /** What it acted on: an approval id, a session id. */
  readonly resource?: string;
  readonly outcome: 'ok' | 'forbidden' | 'error';
  readonly client?: AuditClient;
}

export type AuditEvent =
  | SessionStartEvent
  | SessionEndEvent
  | StatementEvent
  | StatementResultEvent
  | AuthRefusedEvent
  | ApprovalEvent
  | ReloadEvent
  | AdminEvent;

/** An event once a store appended it: its place in the chain and the hashes that pin it there. */
export type SealedAuditEvent = AuditEvent & {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
};

/**
 * An event the writer builds only when it takes the event's batch (off the statement's path, after
 * the turn's socket writes): see PendingStatement. Building cannot fail, and drops whatever raw
 * values (literals) it was made from.
 */
export interface DeferredEvent {
  readonly deferred: true;
  build(): AuditEvent;
}
