import { randomUUID } from 'node:crypto';
import type { Approvals } from '@gatehouse/approvals';
import type { AuditTrail, Durability } from '@gatehouse/audit';
import type { AuditQueryEvent, AuditResultEvent, AuditSink, Dialect } from '@gatehouse/core';
import type { CompletedStatement, GateResult, HookSession, Logger, SessionHooks, StatementOutcome } from '@gatehouse/proxy';
import { decisionGate, errorSummary } from '@gatehouse/proxy';
import { redactLiterals } from '@gatehouse/sql';
import type { LiveSession, LiveSessions } from './live-sessions.js';

export interface ControlPlaneHooksOptions {
  readonly trail?: AuditTrail;
  readonly approvals?: Approvals;
  /** The audit durability of a connection (its override, else audit.durability). */
  durabilityOf(connection: string): Durability;
  readonly sessions: LiveSessions;
  readonly logger: Logger;
}

/**
 * Audit and approvals as one set of session hooks. The gate writes the statement's audit record
 * (awaited when durable in `before-forward`; queued in `async`, answering at once) after an approval request is
 * opened and before any hold, so every statement — allowed, denied, held or ticketed — is on record
 * before anything reaches the database. Results, session start/end and refused logins follow.
 */
export function controlPlaneHooks(options: ControlPlaneHooksOptions): SessionHooks {
  const { trail, approvals, sessions, logger } = options;
  const sinks = new Map<Durability, AuditSink>();
  const sinkFor = (connection: string): AuditSink | undefined => {
    if (!trail) return undefined;
    const durability = options.durabilityOf(connection);
    let sink = sinks.get(durability);
    if (!sink) sinks.set(durability, (sink = trail.sink(durability)));
    return sink;
  };
  const failed = (what: string) => (error: unknown) => logger.error({ err: errorSummary(error) }, `audit: ${what} could not be recorded`);

  /** The statement's record for the trail (literals only for the recorder's keyed digests, which drop them). */
  const queryEvent = (session: HookSession, outcome: StatementOutcome, statementId: string, approvalId: string | undefined): AuditQueryEvent => {
    const event: { -readonly [K in keyof AuditQueryEvent]: AuditQueryEvent[K] } = {
      sessionId: session.sessionId,
      statementId,
      at: new Date(),
      actions: outcome.actions,
      decision: outcome.decision,
    };
    if (approvalId !== undefined) event.approvalId = approvalId;
    if (outcome.literals !== undefined && outcome.literals.length > 0) event.literals = outcome.literals;
    if (outcome.forwardText !== undefined) event.rewrittenText = redactedRewrite(outcome.forwardText, session.target.dialect);
    return event;
  };

  /**
   * Answers synchronously when there is nothing to wait for (an `async` record queued at once):
   * a promise here would hold the client's socket and the frames behind the statement for a
   * turn of the event loop. A durable record, a full queue or an approval gives a promise.
   */
  const gate = (session: HookSession, outcome: StatementOutcome, signal?: AbortSignal): GateResult | Promise<GateResult> => {
    const live = sessions.get(session.sessionId);
    if (live) live.statements++;
    const sink = sinkFor(session.target.connection);
    const reviews = outcome.decision.effect === 'review' ? approvals : undefined;
    // Without a trail or a review nothing reads a statement id (no record, no result): none is drawn.
    if (!sink && !reviews) return decisionGate(outcome);
    const statementId = randomUUID();
    tagStatementId(outcome, statementId);
    if (reviews) return reviewGate(session, outcome, sink, statementId, live, reviews, signal);
    let written: Promise<void> | void;
    try {
      written = sink?.onQuery(queryEvent(session, outcome, statementId, undefined));
    } catch (error) {
      // As a rejected gate: refused, and observers told the gate failed.
      return Promise.reject(error);
    }
    return written instanceof Promise ? written.then(() => decisionGate(outcome)) : decisionGate(outcome);
  };

  const reviewGate = async (
    session: HookSession,
    outcome: StatementOutcome,
    sink: AuditSink | undefined,
    statementId: string,
    live: LiveSession | undefined,
    reviews: Approvals,
    signal: AbortSignal | undefined,
  ): Promise<GateResult> => {
    const record = async (approvalId: string | undefined): Promise<void> => {
      await sink?.onQuery(queryEvent(session, outcome, statementId, approvalId));
      if (approvalId !== undefined && live) live.holding = approvalId;
    };
    try {
      const result = await reviews.gate(
        { sessionId: session.sessionId, principal: session.principal, target: session.target },
        outcome,
        { record, ...(signal ? { signal } : {}) },
      );
      if (result.proceed) return result.approvalId !== undefined ? { proceed: true, approvalId: result.approvalId } : { proceed: true };
      return { proceed: false, reason: result.reason, message: result.message, ...(result.approvalId !== undefined ? { approvalId: result.approvalId } : {}) };
    } finally {
      if (live) delete live.holding;
    }
  };

  return {
    sessionStarted: (session) => {
      sessions.started(session);
      void Promise.resolve(
        sinkFor(session.target.connection)?.onSessionStart({
          sessionId: session.sessionId,
          principal: session.principal,
          target: session.target,
          clientAddress: session.clientAddress,
          ...(session.applicationName !== undefined ? { applicationName: session.applicationName } : {}),
          tls: session.tls,
          startedAt: session.startedAt,
          ...(session.target.dialect === 'postgres' ? { authMethod: session.tls ? 'cleartext-in-tls' : 'cleartext' } : {}),
        }),
      ).catch(failed('session start'));
    },
    gate,
    // Only with a trail to record results in: without a listener the adapters build no completion events.
    ...(trail
      ? {
          statementCompleted: (session: HookSession, completed: CompletedStatement) => {
            const sink = sinkFor(session.target.connection);
            if (!sink) return;
            // Queued: a promise only while the queue is full.
            const written = sink.onResult(resultEvent(session, completed, taggedStatementId(completed.outcome)));
            if (written instanceof Promise) written.catch(failed('statement result'));
          },
        }
      : {}),
    sessionEnded: (session, endedAt) => {
      sessions.ended(session.sessionId);
      void Promise.resolve(sinkFor(session.target.connection)?.onSessionEnd(session.sessionId, endedAt)).catch(failed('session end'));
    },
    ...(trail
      ? {
          authenticationRefused: (attempt, refusal) =>
            trail.authRefused({
              sessionId: attempt.sessionId,
              connection: attempt.connection,
              environment: attempt.environment,
              dialect: attempt.dialect,
              client: { address: attempt.clientAddress, ...(refusal.applicationName !== undefined ? { application: refusal.applicationName } : {}) },
              claimedUser: refusal.claimedUser,
              reason: refusal.reason,
              ...(refusal.authMethod !== undefined ? { authMethod: refusal.authMethod } : {}),
              tls: { enabled: refusal.tls },
            }),
        }
      : {}),
  };
}

/**
 * A statement's id rides on its outcome: a completion arrives with the very outcome object the
 * gate saw (an extended-protocol statement's outcome is gated once at Parse and completes once per
 * Execute, so the id lives as long as the outcome). Not a WeakMap: one fresh key per statement
 * made its ephemeron table the costliest thing the hooks did (~1 µs of set/get plus GC per
 * statement). Non-enumerable, so a spread copy of an outcome (the decider's repeat) does not
 * inherit another statement's id, and no serializer or equality check sees it.
 */
const STATEMENT_ID = Symbol('gatehouse.audit.statementId');
/** Outcomes that cannot take or change the id (frozen or sealed by their adapter) keep it here instead. */
const fallbackStatementIds = new WeakMap<StatementOutcome, string>();

type TaggedOutcome = StatementOutcome & { [STATEMENT_ID]?: string };

function tagStatementId(outcome: StatementOutcome, statementId: string): void {
  const tagged = outcome as TaggedOutcome;
  if (Object.isFrozen(tagged)) fallbackStatementIds.set(outcome, statementId);
  else if (Object.prototype.hasOwnProperty.call(tagged, STATEMENT_ID)) tagged[STATEMENT_ID] = statementId;
  else if (Object.isExtensible(tagged)) Object.defineProperty(tagged, STATEMENT_ID, { value: statementId, writable: true });
  else fallbackStatementIds.set(outcome, statementId);
}

function taggedStatementId(outcome: StatementOutcome): string | undefined {
  const tagged = outcome as TaggedOutcome;
  // Only an outcome that stopped being extensible can have its id in the fallback.
  return Object.isExtensible(tagged) ? tagged[STATEMENT_ID] : (fallbackStatementIds.get(outcome) ?? tagged[STATEMENT_ID]);
}

/**
 * The row-filtered text that went upstream, as the trail may keep it: SQL with every literal (the
 * filter values come from principal attributes) replaced by `?`, as the classifier redacts
 * statements; MongoDB's forwardText is already a command shape with every value replaced.
 */
function redactedRewrite(forwardText: string, dialect: Dialect): string {
  return dialect === 'mongodb' ? forwardText : redactLiterals(forwardText, dialect);
}

function resultEvent(session: HookSession, completed: CompletedStatement, statementId: string | undefined): AuditResultEvent {
  const event: { -readonly [K in keyof AuditResultEvent]: AuditResultEvent[K] } = {
    sessionId: session.sessionId,
    statementId: statementId ?? randomUUID(),
    durationMs: completed.durationMs,
    maskedValues: completed.maskedValues,
    outcome: completed.result,
  };
  if (completed.rows !== undefined) {
    if (readsOnly(completed.outcome.actions)) event.rowsReturned = completed.rows;
    else event.rowsAffected = completed.rows;
  }
  if (completed.errorCode !== undefined) event.errorCode = completed.errorCode;
  return event;
}

function readsOnly(actions: StatementOutcome['actions']): boolean {
  for (const action of actions) if (action.category !== 'read') return false;
  return true;
}
