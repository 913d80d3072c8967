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
  /** How the client proved its identity on the wire: 'cleartext-in-tls', 'sasl-plain', 'fedauth', … */
  readonly authMethod?: string;
  /** The negotiated TLS protocol ('TLSv1.3'), when `tls` is true. */
  readonly tlsVersion?: string;
}

/**
 * A literal the classifier found bound to a column, or a parameter value by position. The value is
 * handed to the audit library only so it can be turned into a keyed HMAC at once; it is never stored.
 */
export interface AuditLiteralBinding {
  /** Dotted object name as in ObjectRef.name (`app.public.users`). */
  readonly object: string;
  /** The column compared with or written to; absent when only the parameter position is known. */
  readonly column?: string;
  /** 1-based parameter position ($1, ?, @p1) when the value came from a bind parameter. */
  readonly position?: number;
  readonly value: unknown;
}

/** One statement's record: redacted text only, never a literal or a result value. */
export interface AuditQueryEvent {
  readonly sessionId: string;
  readonly statementId: string;
  readonly at: Date;
  readonly actions: readonly Action[];
  readonly decision: Decision;
  readonly approvalId?: string;
  /** Literal/parameter values by column, digested (HMAC) by the audit library and then dropped. */
  readonly literals?: readonly AuditLiteralBinding[];
  /**
   * Present when the statement went upstream rewritten (row filters): the rewritten text with
   * every literal replaced by `?` (the filter values are principal attributes, i.e. tenant data).
   */
  readonly rewrittenText?: string;
}

export interface AuditResultEvent {
  readonly sessionId: string;
  readonly statementId: string;
  /** Rows returned (reads) — kept for compatibility; prefer rowsReturned/rowsAffected. */
  readonly rows?: number;
  readonly rowsReturned?: number;
  readonly rowsAffected?: number;
  readonly durationMs: number;
  readonly maskedValues?: number;
  /** The server's error code (SQLSTATE, MySQL errno, MongoDB code) — never the message. */
  readonly errorCode?: string;
  /** ok = completed; error = the server refused; blocked = policy refused; cancelled = client cancelled. */
  readonly outcome?: 'ok' | 'error' | 'blocked' | 'cancelled';
}

/** Where audit events go. Teleport-style hooks, one per phase of a session. */
export interface AuditSink {
  onSessionStart(session: AuditSessionInfo): Promise<void> | void;
  onQuery(event: AuditQueryEvent): Promise<void> | void;
  onResult(event: AuditResultEvent): Promise<void> | void;
  onSessionEnd(sessionId: string, endedAt: Date): Promise<void> | void;
}
