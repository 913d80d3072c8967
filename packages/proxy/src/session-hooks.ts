import type { StatementOutcome, SessionIdentity } from './statement-decider.js';

/**
 * What may still stop a decided statement before it is forwarded, in dialect-neutral terms; the
 * adapter renders a refusal as its database's own error.
 */
export type GateResult =
  | { readonly proceed: true }
  | {
      readonly proceed: false;
      /** policy: denied; approval-*: the review flow said no (or not yet); audit-unavailable: not recorded, so not run. */
      readonly reason: 'policy' | 'approval-required' | 'approval-denied' | 'approval-expired' | 'audit-unavailable';
      readonly message: string;
    };

/** A session as the hooks see it. */
export interface HookSession extends SessionIdentity {
  readonly sessionId: string;
}

/** A request (a query or an execution) whose response is complete. */
export interface CompletedStatement {
  readonly outcome: StatementOutcome;
  readonly result: 'ok' | 'error' | 'blocked';
  readonly rows?: number;
  readonly durationMs: number;
  /** The server's error code (SQLSTATE, errno, MongoDB code), never its message. */
  readonly errorCode?: string;
  readonly maskedValues: number;
}

export interface SessionStart extends HookSession {
  readonly applicationName?: string;
  readonly tls: boolean;
  readonly startedAt: Date;
}

/**
 * The per-statement pipeline's extension points, the same for every dialect: audit, approvals and
 * telemetry plug in here, never into an adapter.
 */
export interface SessionHooks {
  sessionStarted?(session: SessionStart): void;
  /** Before forwarding; may wait (durable audit write, approval hold). Without it: the decision alone. */
  gate?(session: HookSession, outcome: StatementOutcome): GateResult | Promise<GateResult>;
  statementCompleted?(session: HookSession, completed: CompletedStatement): void;
  sessionEnded?(session: HookSession, endedAt: Date): void;
}

const PROCEED: GateResult = Object.freeze({ proceed: true });

/** The decision alone: allow proceeds; deny and review (until approvals are wired) refuse. */
export function decisionGate(outcome: StatementOutcome): GateResult {
  const { decision } = outcome;
  if (decision.effect === 'allow') return PROCEED;
  return { proceed: false, reason: decision.effect === 'review' ? 'approval-required' : 'policy', message: decision.reason };
}
