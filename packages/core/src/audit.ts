import type { Action } from './action.js';
import type { Decision } from './decision.js';
import type { Principal } from './principal.js';
import type { Target } from './target.js';

/** A session as the audit trail sees it. */
export interface AuditSessionInfo {
  readonly sessionId: string;
  readonly principal: Principal;
  readonly target: Target;
  readonly clientAddress: string;
  readonly applicationName?: string;
  readonly tls: boolean;
  readonly startedAt: Date;
}

/** One statement's record: redacted text only, never a literal or a result value. */
export interface AuditQueryEvent {
  readonly sessionId: string;
  readonly statementId: string;
  readonly at: Date;
  readonly actions: readonly Action[];
  readonly decision: Decision;
  readonly approvalId?: string;
}

export interface AuditResultEvent {
  readonly sessionId: string;
  readonly statementId: string;
  readonly rows?: number;
  readonly durationMs: number;
  readonly maskedValues?: number;
  readonly errorCode?: string;
}

/** Where audit events go. Teleport-style hooks, one per phase of a session. */
export interface AuditSink {
  onSessionStart(session: AuditSessionInfo): Promise<void> | void;
  onQuery(event: AuditQueryEvent): Promise<void> | void;
  onResult(event: AuditResultEvent): Promise<void> | void;
  onSessionEnd(sessionId: string, endedAt: Date): Promise<void> | void;
}
