import type { CompletedStatement, GateResult, HookSession, SessionAttempt, SessionHooks, SessionStart, SessionTraffic, StatementOutcome } from '@gatehouse/proxy';
import type { AuthenticationOutcome, UpstreamConnectOutcome } from '@gatehouse/proxy';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanContext, Tracer } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import { ATTR_DB_RESPONSE_RETURNED_ROWS } from '@opentelemetry/semantic-conventions/incubating';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_GATEHOUSE_APPROVAL_ID,
  ATTR_GATEHOUSE_CLIENT_APPLICATION,
  ATTR_GATEHOUSE_CLIENT_TLS,
  ATTR_GATEHOUSE_CONNECTION,
  ATTR_GATEHOUSE_ENVIRONMENT,
  ATTR_GATEHOUSE_GATE_RESULT,
  ATTR_GATEHOUSE_MASKED_VALUES,
  ATTR_GATEHOUSE_PRINCIPAL_ID,
  ATTR_GATEHOUSE_PRINCIPAL_KIND,
  ATTR_GATEHOUSE_PRINCIPAL_VIA,
  ATTR_GATEHOUSE_ROWS_AFFECTED,
  ATTR_GATEHOUSE_SESSION_ID,
  ATTR_GATEHOUSE_STATEMENT_RESULT,
  EVENT_POLICY_DECISION,
  SPAN_AUTHENTICATE,
  SPAN_GATE_WAIT,
  SPAN_SESSION,
  SPAN_UPSTREAM_CONNECT,
  SPAN_UPSTREAM_ROUND_TRIP,
} from './attribute-names.js';
import { dbSystemName, decisionAttributes, rulesLabel } from './db-semantics.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { OpenStatements } from './open-statements.js';
import { SessionProfiles } from './session-profile.js';
import type { SessionProfile } from './session-profile.js';
import type { StatementShape } from './statement-shapes.js';
import type { TraceDetail } from './telemetry-config.js';
import { SdkStatementTracer } from './statement-spans.js';
import type { SessionStatementSpans, StatementSpan, StatementTracer } from './statement-spans.js';
import { traceparent } from './trace-context.js';

/** The process's time origin, read once: `performance.timeOrigin` is a getter that costs as much as the clock. */
const TIME_ORIGIN = performance.timeOrigin;
/** Wall-clock milliseconds with sub-millisecond precision (OTel takes fractional epoch ms). */
const now = (): number => TIME_ORIGIN + performance.now();

/** A gate that answers faster than this did not wait for anything worth a span. */
const GATE_WAIT_SPAN_MIN_MS = 1;
/** Connections that authenticated but never reported their upstream login are forgotten beyond this many. */
const MAX_PENDING_ATTEMPTS = 10_000;
/** Statements decided but not yet completed, per session, before the oldest is ended unfinished. */
const MAX_OPEN_STATEMENTS = 256;

interface Step {
  readonly startedAt: number;
  readonly durationMs: number;
  readonly errorType?: string;
}

interface Attempt {
  authentication?: Step;
  upstream?: Step & { readonly serverAddress: string; readonly serverPort: number };
}

interface StatementState {
  readonly span: StatementSpan | undefined;
  readonly startedAt: number;
  readonly shape: StatementShape;
  /** Present from the start (undefined until the gate settles): set later, it would cost the object a new property store per statement. */
  gate: { readonly result: GateResult; readonly settledAt: number; readonly waited: boolean } | undefined;
}

interface SessionState {
  readonly span: Span | undefined;
  readonly profile: SessionProfile;
  /**
   * Makes the session's statement spans (with the principal, and with full detail the session id):
   * when traces are on and the session was sampled (or its start was not seen).
   */
  readonly statementSpans: SessionStatementSpans | undefined;
  /** sessions.active was counted up for it (so it is counted down exactly once). */
  readonly counted: boolean;
  readonly statements: OpenStatements<StatementOutcome, StatementState>;
}

export interface TelemetryHooksOptions {
  /** See TelemetryConfig.traces.detail; default `statement`. */
  readonly detail?: TraceDetail;
  /** See TelemetryConfig.traces.slowStatementMs; default 10. */
  readonly slowStatementMs?: number;
  /** How statement spans are made; default SDK spans from the tracer (createTelemetry picks lean ones for OTLP/HTTP protobuf). */
  readonly statementTracer?: StatementTracer;
}

/**
 * Telemetry as session hooks: it only observes (it has no gate, so it can never let through what
 * another gate refused or hold what it would let pass). Spans: `gatehouse.session` per client
 * session (with `gatehouse.authenticate` and `gatehouse.upstream.connect` children), one span per
 * statement execution under it (named by `db.query.summary`), a `gatehouse.gate.wait` child when
 * a gate waited, and — always with `full` detail, with `statement` detail when the statement was
 * slow, refused or held — the decision as a `gatehouse.policy.decision` event and
 * `gatehouse.upstream.round_trip` for the time upstream. Everything a span carries comes from
 * identities, configuration, the classifier's literal-free view of a statement and error codes:
 * never a value, a literal or an error message.
 *
 * This runs for every statement, so the per-statement work is kept to what differs between
 * statements: attribute objects of a connection and of a statement shape are built once
 * (session-profile.ts, statement-shapes.ts) and handed to the SDK as they are.
 */
export class TelemetryHooks {
  readonly #tracer: Tracer | undefined;
  readonly #statementTracer: StatementTracer | undefined;
  readonly #metrics: GatewayMetrics | undefined;
  readonly #full: boolean;
  readonly #slowStatementMs: number;
  readonly #profiles: SessionProfiles;
  readonly #attempts = new Map<string, Attempt>();
  readonly #sessions = new Map<string, SessionState>();
  /** Connections that propagate trace context upstream (off by default: it changes the bytes sent). */
  readonly #propagating: ReadonlySet<string>;

  constructor(tracer: Tracer | undefined, metrics: GatewayMetrics | undefined, traceContextConnections: readonly string[] = [], options: TelemetryHooksOptions = {}) {
    this.#tracer = tracer;
    this.#statementTracer = tracer ? (options.statementTracer ?? new SdkStatementTracer(tracer)) : undefined;
    this.#metrics = metrics;
    this.#full = options.detail === 'full';
    this.#slowStatementMs = options.slowStatementMs ?? 10;
    this.#profiles = new SessionProfiles(this.#full);
    // Without a tracer there is no span whose context could be propagated.
    this.#propagating = new Set(tracer ? traceContextConnections : []);
  }

  /** The hooks object adapters drive. */
  hooks(): SessionHooks {
    return {
      authenticated: (attempt, outcome) => this.authenticated(attempt, outcome),
      upstreamConnected: (attempt, outcome) => this.upstreamConnected(attempt, outcome),
      sessionStarted: (session) => this.sessionStarted(session),
      statementDecided: (session, outcome) => this.statementDecided(session, outcome),
      gateSettled: (session, outcome, result) => this.gateSettled(session, outcome, result),
      statementCompleted: (session, completed) => this.statementCompleted(session, completed),
      sessionEnded: (session, endedAt, traffic) => this.sessionEnded(session, endedAt, traffic),
      // Only when some connection propagates: otherwise adapters are not even asked.
      ...(this.#propagating.size > 0 ? { traceContext: (session: HookSession, outcome: StatementOutcome) => this.traceContext(session, outcome) } : {}),
    };
  }

  /**
   * The W3C `traceparent` of the statement's span, for the adapter to carry upstream, when the
   * session's connection propagates trace context and the session is sampled (an unsampled
   * session has no recording span: nothing is propagated, so the database's logs only ever
   * point at traces that exist). A statement re-executed without a new decision (a prepared
   * statement) has no open span of its own yet: the session span stands in.
   */
  traceContext(session: HookSession, outcome: StatementOutcome): string | undefined {
    if (!this.#propagating.has(session.target.connection)) return undefined;
    const state = this.#sessions.get(session.sessionId);
    const span = state?.statements.get(outcome)?.span ?? state?.span;
    return span?.isRecording() ? traceparent(span.spanContext()) : undefined;
  }

  /**
   * The statement span's context, for propagating trace context upstream (sqlcommenter comment,
   * MongoDB `comment`): ask between the gate and forwarding. Undefined when not traced.
   */
  statementSpanContext(sessionId: string, outcome: StatementOutcome): SpanContext | undefined {
    const span = this.#sessions.get(sessionId)?.statements.get(outcome)?.span;
    return span?.isRecording() ? span.spanContext() : undefined;
  }

  /** Open sessions and statements in flight (tests check nothing leaks). */
  get openSessions(): number {
    return this.#sessions.size;
  }

  authenticated(attempt: SessionAttempt, outcome: AuthenticationOutcome): void {
    const step: Step = { startedAt: outcome.startedAt.getTime(), durationMs: outcome.durationMs, ...(outcome.errorType ? { errorType: outcome.errorType } : {}) };
    if (outcome.ok) {
      this.#remember(attempt.sessionId, { authentication: step });
      return;
    }
    this.#metrics?.authenticationFailed(attempt.connection, outcome.errorType ?? 'error');
    this.#attempts.delete(attempt.sessionId);
    this.#failedAttempt(attempt, { authentication: step }, outcome.errorType ?? 'error');
  }

  upstreamConnected(attempt: SessionAttempt, outcome: UpstreamConnectOutcome): void {
    const known = this.#attempts.get(attempt.sessionId) ?? {};
    const step = {
      startedAt: outcome.startedAt.getTime(),
      durationMs: outcome.durationMs,
      serverAddress: outcome.serverAddress,
      serverPort: outcome.serverPort,
      ...(outcome.errorType ? { errorType: outcome.errorType } : {}),
    };
    if (outcome.ok) {
      this.#remember(attempt.sessionId, { ...known, upstream: step });
      return;
    }
    const errorType = outcome.errorType ?? 'error';
    this.#metrics?.upstreamConnectFailed(attempt.connection, errorType, outcome.serverAddress, outcome.serverPort);
    this.#attempts.delete(attempt.sessionId);
    this.#failedAttempt(attempt, { ...known, upstream: step }, errorType);
  }

  sessionStarted(session: SessionStart): void {
    const attempt = this.#attempts.get(session.sessionId) ?? {};
    this.#attempts.delete(session.sessionId);
    const upstream = attempt.upstream;
    const profile = this.#profiles.of(session.target, upstream ? { address: upstream.serverAddress, port: upstream.serverPort } : undefined);
    this.#metrics?.sessionOpened(profile.activeAttributes);

    let span: Span | undefined;
    let context = ROOT_CONTEXT;
    if (this.#tracer) {
      const system = dbSystemName(session.target.dialect);
      const startTime = attempt.authentication?.startedAt ?? upstream?.startedAt ?? session.startedAt.getTime();
      span = this.#tracer.startSpan(
        SPAN_SESSION,
        {
          kind: SpanKind.SERVER,
          startTime,
          attributes: {
            ...attemptAttributes(session.sessionId, session.target.connection, session.target.environment, system, session.clientAddress),
            ...(session.target.database !== undefined ? { [ATTR_DB_NAMESPACE]: session.target.database } : {}),
            ...profile.server,
            [ATTR_GATEHOUSE_PRINCIPAL_ID]: session.principal.id,
            [ATTR_GATEHOUSE_PRINCIPAL_KIND]: session.principal.kind,
            [ATTR_GATEHOUSE_PRINCIPAL_VIA]: session.principal.via,
            [ATTR_GATEHOUSE_CLIENT_TLS]: session.tls,
            ...(session.applicationName ? { [ATTR_GATEHOUSE_CLIENT_APPLICATION]: session.applicationName } : {}),
          },
        },
        ROOT_CONTEXT,
      );
      context = trace.setSpan(ROOT_CONTEXT, span);
      this.#stepSpans(context, attempt);
    }
    // An unsampled session's statements would only make non-recording spans: none are made.
    this.#sessions.set(session.sessionId, {
      span,
      profile,
      statementSpans: span?.isRecording() ? this.#statementTracer!.forSession(context, span, this.#statementAttributesOf(session)) : undefined,
      counted: true,
      statements: new OpenStatements(),
    });
  }

  statementDecided(session: HookSession, outcome: StatementOutcome): void {
    const state = this.#sessionOf(session);
    const previous = state.statements.get(outcome);
    if (previous) this.#endUnfinished(previous);
    const { decision } = outcome;
    this.#metrics?.decision(state.profile.connection, decision.effect, rulesLabel(decision.rules));
    // An adapter that does not report completion (or a client that never reads its results) must not
    // make a long-lived session hold statements forever: past the bound, the oldest ends unfinished.
    if (state.statements.size >= MAX_OPEN_STATEMENTS) {
      this.#endUnfinished(state.statements.shift()!);
    }
    state.statements.set(outcome, this.#startStatement(state, outcome, now()));
  }

  gateSettled(session: HookSession, outcome: StatementOutcome, result: GateResult): void {
    const statement = this.#sessions.get(session.sessionId)?.statements.get(outcome);
    if (!statement) return;
    const settledAt = now();
    const waited = settledAt - statement.startedAt >= GATE_WAIT_SPAN_MIN_MS;
    statement.gate = { result, settledAt, waited };
    const span = statement.span;
    // A gate that let the statement through at once has nothing to say (statement detail).
    if (!span || (!this.#full && result.proceed && result.approvalId === undefined && !waited)) return;
    const gateAttributes: Attributes = { [ATTR_GATEHOUSE_GATE_RESULT]: result.proceed ? 'proceed' : result.reason };
    if (result.approvalId !== undefined) gateAttributes[ATTR_GATEHOUSE_APPROVAL_ID] = result.approvalId;
    span.setAttribute(ATTR_GATEHOUSE_GATE_RESULT, gateAttributes[ATTR_GATEHOUSE_GATE_RESULT]!);
    if (result.approvalId !== undefined) span.setAttribute(ATTR_GATEHOUSE_APPROVAL_ID, result.approvalId);
    if (waited) {
      this.#tracer!.startSpan(SPAN_GATE_WAIT, { kind: SpanKind.INTERNAL, startTime: statement.startedAt, attributes: gateAttributes }, span.childContext()).end(settledAt);
    }
  }

  statementCompleted(session: HookSession, completed: CompletedStatement): void {
    const endedAt = now();
    const state = this.#sessionOf(session);
    let statement = state.statements.get(completed.outcome);
    if (statement) state.statements.delete(completed.outcome);
    // A prepared statement runs again (one decision, many executions): a span per execution.
    else statement = this.#startStatement(state, completed.outcome, endedAt - completed.durationMs);
    const { shape } = statement;

    const refusal = statement.gate && !statement.gate.result.proceed ? statement.gate.result.reason : undefined;
    let errorType: string | undefined;
    if (completed.result === 'error') errorType = completed.errorCode ?? 'error';
    else if (completed.result === 'blocked') errorType = `gatehouse.${refusal ?? (completed.outcome.decision.effect === 'review' ? 'approval-required' : 'policy')}`;

    const span = statement.span;
    if (span) {
      span.setAttribute(ATTR_GATEHOUSE_STATEMENT_RESULT, completed.result);
      span.setAttribute(ATTR_GATEHOUSE_MASKED_VALUES, completed.maskedValues);
      if (completed.rows !== undefined) span.setAttribute(shape.readOnly ? ATTR_DB_RESPONSE_RETURNED_ROWS : ATTR_GATEHOUSE_ROWS_AFFECTED, completed.rows);
      if (completed.errorCode !== undefined) span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, completed.errorCode);
      if (errorType !== undefined) {
        span.setAttribute(ATTR_ERROR_TYPE, errorType);
        span.setError();
      }
      // Statement detail: the sub-spans only where they explain the statement's time or refusal.
      const explained = this.#full || completed.result === 'blocked' || statement.gate?.waited === true || endedAt - statement.startedAt >= this.#slowStatementMs;
      if (explained) {
        if (!this.#full) span.addEvent(EVENT_POLICY_DECISION, decisionAttributes(completed.outcome), statement.startedAt);
        if (completed.result !== 'blocked') {
          this.#tracer!.startSpan(
            SPAN_UPSTREAM_ROUND_TRIP,
            { kind: SpanKind.INTERNAL, startTime: endedAt - completed.durationMs, attributes: state.profile.server },
            span.childContext(),
          ).end(endedAt);
        }
      }
      span.end(endedAt);
    }

    const metrics = this.#metrics;
    if (!metrics) return;
    metrics.maskedValues(state.profile.connection, completed.maskedValues);
    // Refused statements never reached the database: they are counted as decisions, not operations.
    if (completed.result === 'blocked') return;
    let attributes = shape.metricAttributes;
    if (errorType !== undefined || completed.errorCode !== undefined) {
      attributes = { ...attributes };
      if (errorType !== undefined) attributes[ATTR_ERROR_TYPE] = errorType;
      if (completed.errorCode !== undefined) attributes[ATTR_DB_RESPONSE_STATUS_CODE] = completed.errorCode;
    }
    metrics.operation(completed.durationMs / 1000, attributes);
  }

  sessionEnded(session: HookSession, _endedAt: Date, traffic?: SessionTraffic): void {
    const state = this.#sessions.get(session.sessionId);
    if (!state) return;
    this.#sessions.delete(session.sessionId);
    for (const statement of state.statements.values()) this.#endUnfinished(statement);
    state.statements.clear();
    if (state.counted) this.#metrics?.sessionClosed(state.profile.activeAttributes);
    if (traffic) this.#metrics?.clientBytes(state.profile.connection, traffic.clientBytesIn, traffic.clientBytesOut);
    state.span?.end(now());
  }

  #remember(sessionId: string, attempt: Attempt): void {
    if (!this.#attempts.has(sessionId) && this.#attempts.size >= MAX_PENDING_ATTEMPTS) {
      const oldest = this.#attempts.keys().next().value;
      if (oldest !== undefined) this.#attempts.delete(oldest);
    }
    this.#attempts.set(sessionId, attempt);
  }

  /** A session whose start was not seen (hooks wired mid-session): statements become roots. */
  #sessionOf(session: HookSession): SessionState {
    let state = this.#sessions.get(session.sessionId);
    if (!state) {
      state = {
        span: undefined,
        profile: this.#profiles.of(session.target),
        statementSpans: this.#statementTracer?.forSession(ROOT_CONTEXT, undefined, this.#statementAttributesOf(session)),
        counted: false,
        statements: new OpenStatements(),
      };
      this.#sessions.set(session.sessionId, state);
    }
    return state;
  }

  #statementAttributesOf(session: HookSession): Attributes {
    return Object.freeze({
      [ATTR_GATEHOUSE_PRINCIPAL_ID]: session.principal.id,
      [ATTR_GATEHOUSE_PRINCIPAL_KIND]: session.principal.kind,
      // The session span (every statement's parent) has it; full detail repeats it for searches.
      ...(this.#full ? { [ATTR_GATEHOUSE_SESSION_ID]: session.sessionId } : {}),
    });
  }

  #startStatement(state: SessionState, outcome: StatementOutcome, startedAt: number): StatementState {
    const shape = state.profile.shapes.of(outcome);
    let span: StatementSpan | undefined;
    if (state.statementSpans) {
      span = state.statementSpans.start(shape, outcome, startedAt);
      if (this.#full) span.addEvent(EVENT_POLICY_DECISION, decisionAttributes(outcome), startedAt);
    }
    return { span, startedAt, shape, gate: undefined };
  }

  /** A statement decided but never completed (never executed, or the connection went away). */
  #endUnfinished(statement: StatementState): void {
    if (!statement.span) return;
    statement.span.setAttribute(ATTR_GATEHOUSE_STATEMENT_RESULT, 'not-completed');
    statement.span.end(statement.gate?.settledAt ?? statement.startedAt);
  }

  /** Child spans for the steps before the session: authentication, then the upstream login. */
  #stepSpans(parent: Context, attempt: Attempt): void {
    const tracer = this.#tracer!;
    const step = (name: string, done: Step | undefined, attributes: Attributes): void => {
      if (!done) return;
      const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, startTime: done.startedAt, attributes }, parent);
      if (done.errorType !== undefined) {
        span.setAttribute(ATTR_ERROR_TYPE, done.errorType);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end(done.startedAt + done.durationMs);
    };
    step(SPAN_AUTHENTICATE, attempt.authentication, {});
    const upstream = attempt.upstream;
    step(SPAN_UPSTREAM_CONNECT, upstream, upstream ? { [ATTR_SERVER_ADDRESS]: upstream.serverAddress, [ATTR_SERVER_PORT]: upstream.serverPort } : {});
  }

  /** A connection that never became a session: a failed `gatehouse.session` span with its steps. */
  #failedAttempt(attempt: SessionAttempt, steps: Attempt, errorType: string): void {
    const tracer = this.#tracer;
    if (!tracer) return;
    const first = steps.authentication ?? steps.upstream;
    const last = steps.upstream ?? steps.authentication;
    const span = tracer.startSpan(
      SPAN_SESSION,
      {
        kind: SpanKind.SERVER,
        ...(first ? { startTime: first.startedAt } : {}),
        attributes: {
          ...attemptAttributes(attempt.sessionId, attempt.connection, attempt.environment, dbSystemName(attempt.dialect), attempt.clientAddress),
          [ATTR_ERROR_TYPE]: errorType,
        },
      },
      ROOT_CONTEXT,
    );
    span.setStatus({ code: SpanStatusCode.ERROR });
    this.#stepSpans(trace.setSpan(ROOT_CONTEXT, span), steps);
    span.end(last ? last.startedAt + last.durationMs : now());
  }
}

function attemptAttributes(sessionId: string, connection: string, environment: string, system: string, clientAddress: string): Attributes {
  return {
    [ATTR_DB_SYSTEM_NAME]: system,
    [ATTR_GATEHOUSE_SESSION_ID]: sessionId,
    [ATTR_GATEHOUSE_CONNECTION]: connection,
    [ATTR_GATEHOUSE_ENVIRONMENT]: environment,
    [ATTR_CLIENT_ADDRESS]: clientAddress,
  };
}
