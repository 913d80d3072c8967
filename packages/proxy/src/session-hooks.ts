import type { Dialect, Principal } from '@gatehouse/core';
import type { StatementOutcome, SessionIdentity } from './statement-decider.js';

/**
 * What may still stop a decided statement before it is forwarded, in dialect-neutral terms; the
 * adapter renders a refusal as its database's own error.
 */
export type GateResult =
  | {
      readonly proceed: true;
      /** The approval that let a reviewed statement run, for audit and traces. */
      readonly approvalId?: string;
    }
  | {
      readonly proceed: false;
      /** policy: denied; approval-*: the review flow said no (or not yet); audit-unavailable: not recorded, so not run. */
      readonly reason: GateRefusalReason;
      readonly message: string;
      /** The approval request (ticket) this refusal refers to, when there is one. */
      readonly approvalId?: string;
    };

export type GateRefusalReason = 'policy' | 'approval-required' | 'approval-denied' | 'approval-expired' | 'audit-unavailable';

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
 * A client connection before it has an identity: what the authentication and upstream-connect
 * events carry. Never the user name or the credential the client sent.
 */
export interface SessionAttempt {
  readonly sessionId: string;
  readonly connection: string;
  readonly environment: string;
  readonly dialect: Dialect;
  readonly clientAddress: string;
}

/** How proving the client's identity went. */
export interface AuthenticationOutcome {
  readonly ok: boolean;
  readonly startedAt: Date;
  readonly durationMs: number;
  /** Present when ok. */
  readonly principal?: Principal;
  /** A low-cardinality reason when refused: the error's stable code (e.g. `identity.expired`), never its message. */
  readonly errorType?: string;
}

/** How the gateway's own login to the database went. */
export interface UpstreamConnectOutcome {
  readonly ok: boolean;
  readonly startedAt: Date;
  readonly durationMs: number;
  /** The database server, as configured. */
  readonly serverAddress: string;
  readonly serverPort: number;
  /** A low-cardinality reason when it failed: an error code (SQLSTATE, errno), never a message. */
  readonly errorType?: string;
}

/** Bytes on the client connection over the whole session, as on the wire (TLS included): cheap socket counters. */
export interface SessionTraffic {
  readonly clientBytesIn: number;
  readonly clientBytesOut: number;
}

/**
 * The per-statement pipeline's extension points, the same for every dialect: audit, approvals and
 * telemetry plug in here, never into an adapter.
 */
export interface SessionHooks {
  /** The client's identity was checked (before sessionStarted; a refused client never starts a session). */
  authenticated?(attempt: SessionAttempt, outcome: AuthenticationOutcome): void;
  /** The gateway's login to the database finished (before sessionStarted; a failure ends the attempt). */
  upstreamConnected?(attempt: SessionAttempt, outcome: UpstreamConnectOutcome): void;
  sessionStarted?(session: SessionStart): void;
  /** A statement was decided; its gate is asked next. For observers (telemetry): no answer expected. */
  statementDecided?(session: HookSession, outcome: StatementOutcome): void;
  /** Before forwarding; may wait (durable audit write, approval hold). Without it: the decision alone. */
  gate?(session: HookSession, outcome: StatementOutcome, signal?: AbortSignal): GateResult | Promise<GateResult>;
  /**
   * What the gate (or, without one, the decision alone) answered, once settled: lets observers
   * see a wait and a refusal they did not cause. A gate that failed arrives as `audit-unavailable`.
   */
  gateSettled?(session: HookSession, outcome: StatementOutcome, result: GateResult): void;
  statementCompleted?(session: HookSession, completed: CompletedStatement): void;
  /**
   * The W3C `traceparent` to carry upstream with this statement (sqlcommenter comment, MongoDB
   * `comment`), asked after the gate let it through; undefined when the connection does not
   * propagate trace context (the default).
   */
  traceContext?(session: HookSession, outcome: StatementOutcome): string | undefined;
  sessionEnded?(session: HookSession, endedAt: Date, traffic?: SessionTraffic): void;
  /**
   * A client was refused at authentication (never the credential). The adapter awaits it (bounded
   * by its own error handling) before sending the refusal, so a durable audit record comes first.
   */
  authenticationRefused?(attempt: SessionAttempt, refusal: AuthenticationRefusal): void | Promise<void>;
}

/** What the audit trail records about a refused login: the claimed user name, never the credential. */
export interface AuthenticationRefusal {
  readonly claimedUser: string;
  /** The error's stable code (`identity.expired`, …). */
  readonly reason: string;
  readonly tls: boolean;
  readonly applicationName?: string;
  /** How the client tried to prove who it is on the wire ('cleartext-in-tls', …). */
  readonly authMethod?: string;
}

const PROCEED: GateResult = Object.freeze({ proceed: true });

/** The decision alone: allow proceeds; deny and review (until approvals are wired) refuse. */
export function decisionGate(outcome: StatementOutcome): GateResult {
  const { decision } = outcome;
  if (decision.effect === 'allow') return PROCEED;
  return { proceed: false, reason: decision.effect === 'review' ? 'approval-required' : 'policy', message: decision.reason };
}

/** A refusal for a gate that threw or rejected: never forward what could not be checked. */
function failedGate(error: unknown): GateResult {
  return { proceed: false, reason: 'audit-unavailable', message: error instanceof Error ? `gate failed: ${error.name}` : 'gate failed' };
}

type EventName = Exclude<keyof SessionHooks, 'gate' | 'traceContext' | 'authenticationRefused'>;
const EVENT_NAMES: readonly EventName[] = ['authenticated', 'upstreamConnected', 'sessionStarted', 'statementDecided', 'gateSettled', 'statementCompleted', 'sessionEnded'];

/**
 * Several hooks as one, in order. Gates combine: every gate must proceed, the first refusal wins
 * (later gates are not asked, so no approval is requested for a statement the audit gate refused);
 * a gate that throws or rejects refuses; without any gate the composition has none (the adapter
 * falls back to the decision alone). Events fan out to every member, and a member that throws
 * never keeps the others (or the statement) from running. No members: undefined (no cost).
 */
export function composeHooks(...all: readonly (SessionHooks | undefined)[]): SessionHooks | undefined {
  const members = all.filter((hooks): hooks is SessionHooks => hooks !== undefined);
  if (members.length <= 1) return members[0];
  const composed: { -readonly [K in keyof SessionHooks]: SessionHooks[K] } = {};
  for (const name of EVENT_NAMES) {
    const handlers = members.filter((hooks) => hooks[name] !== undefined);
    if (handlers.length === 0) continue;
    composed[name] = ((...args: unknown[]) => {
      for (const hooks of handlers) {
        try {
          (hooks[name] as (...event: unknown[]) => void).apply(hooks, args);
        } catch {
          // An observer's failure is its own; the statement and the other observers go on.
        }
      }
    }) as never;
  }
  const refusalHandlers = members.filter((hooks) => hooks.authenticationRefused !== undefined);
  if (refusalHandlers.length > 0) {
    // Awaited by the adapter: every member finishes (or fails on its own) before the refusal is sent.
    composed.authenticationRefused = async (attempt, refusal) => {
      await Promise.allSettled(refusalHandlers.map(async (hooks) => hooks.authenticationRefused!(attempt, refusal)));
    };
  }
  const tracers = members.filter((hooks) => hooks.traceContext !== undefined);
  if (tracers.length > 0) {
    // One trace context per statement: the first member that propagates one.
    composed.traceContext = (session, outcome) => {
      for (const hooks of tracers) {
        try {
          const traceparent = hooks.traceContext!(session, outcome);
          if (traceparent !== undefined) return traceparent;
        } catch {
          // A tracer's failure never stops the statement: it simply goes without trace context.
        }
      }
      return undefined;
    };
  }
  const gates = members.filter((hooks) => hooks.gate !== undefined);
  if (gates.length === 0) return composed;

  /** Runs gates from `index` on; stays synchronous as long as every gate answers synchronously. */
  const runFrom = (
    index: number,
    session: HookSession,
    outcome: StatementOutcome,
    approvalId: string | undefined,
    signal: AbortSignal | undefined,
  ): GateResult | Promise<GateResult> => {
    for (let i = index; i < gates.length; i++) {
      let result: GateResult | Promise<GateResult>;
      try {
        result = gates[i]!.gate!(session, outcome, signal);
      } catch (error) {
        return failedGate(error);
      }
      if (result instanceof Promise) {
        return result.then(
          (settled) => (settled.proceed ? runFrom(i + 1, session, outcome, settled.approvalId ?? approvalId, signal) : settled),
          (error: unknown) => failedGate(error),
        );
      }
      if (!result.proceed) return result;
      approvalId = result.approvalId ?? approvalId;
    }
    return approvalId !== undefined ? { proceed: true, approvalId } : PROCEED;
  };
  composed.gate = (session, outcome, signal) => runFrom(0, session, outcome, undefined, signal);
  return composed;
}
