import type { Action, AuditQueryEvent, AuditResultEvent, AuditSessionInfo, Decision, Principal } from '@gatehouse/core';
import { literalDigests } from '../digest/literal-digests.js';
import type {
  AdminEvent,
  ApprovalEvent,
  AuditAction,
  AuditObject,
  AuditPrincipal,
  AuthRefusedEvent,
  ReloadEvent,
  SessionEndEvent,
  SessionStartEvent,
  StatementEvent,
  StatementResult,
  StatementResultEvent,
} from './event-types.js';
import { memoGuardProse, memoGuardSqlText } from './guard-memo.js';
import { guardToken } from './literal-guard.js';

/** What the recorder remembers about an open session, to stamp its later events. */
export interface SessionContext {
  readonly sessionId: string;
  readonly principal: AuditPrincipal;
  readonly connection: string;
  readonly environment: string;
  readonly dialect: string;
  readonly startedAt: number;
  statements: number;
}

/** Counts what the guards blanked while one event is built. */
class Guard {
  redactions = 0;

  sql(text: string, dialect: string): string {
    const guarded = memoGuardSqlText(text, dialect);
    this.redactions += guarded.redactions;
    return guarded.text;
  }

  prose(text: string): string {
    const guarded = memoGuardProse(text);
    this.redactions += guarded.redactions;
    return guarded.text;
  }

  token(text: string): string {
    const guarded = guardToken(text);
    this.redactions += guarded.redactions;
    return guarded.text;
  }

  optionalToken(text: string | undefined): string | undefined {
    return text === undefined ? undefined : this.token(text);
  }

  /** Spread into an event: the field appears only when something was blanked. */
  stamp(): { guardRedactions?: number } {
    return this.redactions > 0 ? { guardRedactions: this.redactions } : {};
  }
}

export function auditPrincipal(principal: Principal): AuditPrincipal {
  return { id: principal.id, groups: [...principal.groups], kind: principal.kind, via: principal.via };
}

export function sessionContext(info: AuditSessionInfo): SessionContext {
  const principal = auditPrincipal(info.principal);
  Object.freeze(principal.groups);
  return {
    sessionId: info.sessionId,
    // Frozen: every event of the session carries this one object (the store may send it only once).
    principal: Object.freeze(principal),
    connection: info.target.connection,
    environment: info.target.environment,
    dialect: info.target.dialect,
    startedAt: info.startedAt.getTime(),
    statements: 0,
  };
}

function scope(session: SessionContext): { sessionId: string; principal: AuditPrincipal; connection: string; environment: string } {
  return { sessionId: session.sessionId, principal: session.principal, connection: session.connection, environment: session.environment };
}

export function sessionStartEvent(info: AuditSessionInfo): SessionStartEvent {
  const guard = new Guard();
  return {
    type: 'session.start',
    at: info.startedAt.toISOString(),
    ...scope(sessionContext(info)),
    sessionId: guard.token(info.sessionId),
    ...(info.authMethod !== undefined ? { authMethod: guard.token(info.authMethod) } : {}),
    client: { address: guard.token(info.clientAddress), ...(info.applicationName !== undefined ? { application: guard.prose(info.applicationName) } : {}) },
    dialect: info.target.dialect,
    ...(info.target.database !== undefined ? { database: info.target.database } : {}),
    tls: { enabled: info.tls, ...(info.tlsVersion !== undefined ? { version: guard.token(info.tlsVersion) } : {}) },
    ...guard.stamp(),
  };
}

export function sessionEndEvent(session: SessionContext, endedAt: Date): SessionEndEvent {
  return {
    type: 'session.end',
    at: endedAt.toISOString(),
    ...scope(session),
    durationMs: Math.max(0, endedAt.getTime() - session.startedAt),
    statements: session.statements,
  };
}

/**
 * The classifier hands out the same ObjectRef array for every statement of a shape (its cache), so
 * the audit copy is made once per shape, not per statement. Events are never mutated.
 */
const auditObjectsCache = new WeakMap<Action['objects'], readonly AuditObject[]>();

function auditObjects(objects: Action['objects']): readonly AuditObject[] {
  let copied = auditObjectsCache.get(objects);
  if (copied === undefined) {
    copied = Object.freeze(
      objects.map((object) =>
        Object.freeze({
          name: object.name,
          kind: object.kind,
          access: object.access,
          ...(object.columns ? { columns: Object.freeze([...object.columns]) } : {}),
        }),
      ),
    );
    auditObjectsCache.set(objects, copied);
  }
  return copied;
}

function auditAction(action: Action, guard: Guard): AuditAction {
  return {
    category: action.category,
    operation: action.operation,
    objects: auditObjects(action.objects),
    flags: [...action.flags],
    fingerprint: guard.sql(action.fingerprint, action.dialect),
  };
}

/** The parts of a statement record that depend on its actions alone, with what guarding them blanked. */
interface ActionParts {
  readonly fingerprint: string;
  readonly redactedText: string;
  readonly actions: readonly AuditAction[];
  readonly redactions: number;
  /** The last decision seen with these actions, in audit form (one slot: a shape's decision rarely changes). */
  decision?: { readonly from: Decision; readonly audit: StatementEvent['decision']; readonly redactions: number };
}

/**
 * A gateway sees the same few statement shapes over and over: their audit forms (guarded, copied,
 * frozen, as every event that carries them shares them) are built once per shape, not per statement. Found by
 * the action list itself when the classifier hands out the same frozen array again (its exact
 * cache), or else, for a single action, by its objects array, which the classifier shares between
 * every statement of a shape (literal-varying texts) and which is then checked field by field.
 */
const partsByActions = new WeakMap<readonly Action[], ActionParts>();
const partsByObjects = new WeakMap<Action['objects'], { readonly source: Action; readonly parts: ActionParts }>();

function actionParts(actions: readonly Action[]): ActionParts {
  const exact = partsByActions.get(actions);
  if (exact !== undefined) return exact;
  const single = actions.length === 1 ? actions[0]! : undefined;
  const shaped = single ? partsByObjects.get(single.objects) : undefined;
  // Found by shape: not remembered by this actions array too. The classifier hands out a fresh
  // frozen array per literal-varying statement, and a WeakMap entry per statement cost more (set
  // plus ephemeron GC) than the field comparison that finds the shape again.
  if (shaped && sameAction(shaped.source, single!)) return shaped.parts;
  const guard = new Guard();
  const fingerprint = joinUnique(actions.map((action) => guard.sql(action.fingerprint, action.dialect)), '; ');
  const redactedText = joinUnique(actions.map((action) => guard.sql(action.redactedText, action.dialect)), ';\n');
  const audited = actions.map((action) => auditAction(action, guard));
  for (const action of audited) {
    Object.freeze(action.flags);
    Object.freeze(action);
  }
  const parts: ActionParts = { fingerprint, redactedText, actions: Object.freeze(audited), redactions: guard.redactions };
  if (single) partsByObjects.set(single.objects, { source: single, parts });
  if (Object.isFrozen(actions)) partsByActions.set(actions, parts);
  return parts;
}

/** Everything of an Action that its audit form reads. */
function sameAction(a: Action, b: Action): boolean {
  return (
    a.fingerprint === b.fingerprint &&
    a.redactedText === b.redactedText &&
    a.dialect === b.dialect &&
    a.category === b.category &&
    a.operation === b.operation &&
    a.objects === b.objects &&
    sameStrings(a.flags, b.flags)
  );
}

/** Everything of a Decision that its audit form reads. */
function sameDecision(a: Decision, b: Decision): boolean {
  if (a === b) return true;
  if (a.effect !== b.effect || a.reason !== b.reason || a.risk.score !== b.risk.score || !sameStrings(a.rules, b.rules)) return false;
  const fa = a.risk.factors;
  const fb = b.risk.factors;
  if (fa.length !== fb.length) return false;
  for (let i = 0; i < fa.length; i++) if (fa[i]!.name !== fb[i]!.name) return false;
  return true;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function decisionFor(parts: ActionParts, decision: Decision): { audit: StatementEvent['decision']; redactions: number } {
  const slot = parts.decision;
  if (slot && sameDecision(slot.from, decision)) return slot;
  const guard = new Guard();
  const audit: StatementEvent['decision'] = {
    effect: decision.effect,
    rules: Object.freeze(decision.rules.map((rule) => guard.token(rule))),
    reason: guard.prose(decision.reason),
    risk: Object.freeze({ score: decision.risk.score, factors: Object.freeze(decision.risk.factors.map((factor) => guard.token(factor.name))) }),
  };
  parts.decision = { from: decision, audit: Object.freeze(audit), redactions: guard.redactions };
  return parts.decision;
}

/** An event under construction: fields are added in place before anyone else sees it. */
type Draft<E> = { -readonly [K in keyof E]: E[K] };

/**
 * What a statement's record needs that can fail or must not wait: the keyed digests of its literal
 * bindings (when given a digest key; the values go no further) and its timestamp. A durable
 * (before-forward) record makes it when the statement is decided, so a failure refuses the
 * statement; an `async` one checks what can fail then and makes it later (PendingStatement).
 */
export interface StatementStamp {
  readonly at: string;
  readonly literalDigests: readonly string[] | undefined;
}

export function statementStamp(query: AuditQueryEvent, digestKey: Uint8Array | string | undefined): StatementStamp {
  const digests = digestKey !== undefined && query.literals !== undefined && query.literals.length > 0 ? literalDigests(digestKey, query.literals) : undefined;
  return { at: isoTime(query.at), literalDigests: digests !== undefined && digests.length > 0 ? digests : undefined };
}

/** The statement's record (see statementRecord), built now. */
export function statementEvent(session: SessionContext, query: AuditQueryEvent, digestKey: Uint8Array | string | undefined): StatementEvent {
  return statementRecord(session, query, statementStamp(query, digestKey));
}

/**
 * The statement's record, built from Actions (already literal-free), the decision and its stamp,
 * with its result folded in when it is known already (see StatementEvent.result). Runs per
 * statement on the gateway's thread: one object, its keys added in canonical (sorted) order so the
 * store's encoder finds them sorted, optional fields only when present. Cannot fail.
 */
export function statementRecord(session: SessionContext, query: AuditQueryEvent, stamp: StatementStamp, result?: GuardedResult): StatementEvent {
  const dialect = query.actions[0]?.dialect ?? session.dialect;
  const parts = actionParts(query.actions);
  const decision = decisionFor(parts, query.decision);
  const statementId = guardToken(query.statementId);
  const approvalId = query.approvalId !== undefined ? guardToken(query.approvalId) : undefined;
  // The guard runs on it too: the caller redacted it, but a filter value must never slip through.
  const rewritten = query.rewrittenText !== undefined ? memoGuardSqlText(query.rewrittenText, dialect) : undefined;
  const redactions = parts.redactions + decision.redactions + statementId.redactions + (approvalId?.redactions ?? 0) + (rewritten?.redactions ?? 0) + (result?.redactions ?? 0);
  const event = { actions: parts.actions } as Draft<StatementEvent>;
  if (approvalId !== undefined) event.approvalId = approvalId.text;
  event.at = stamp.at;
  event.connection = session.connection;
  event.decision = decision.audit;
  event.dialect = dialect;
  event.environment = session.environment;
  event.fingerprint = parts.fingerprint;
  if (redactions > 0) event.guardRedactions = redactions;
  if (stamp.literalDigests !== undefined) event.literalDigests = stamp.literalDigests;
  event.principal = session.principal;
  event.redactedText = parts.redactedText;
  if (result !== undefined) event.result = result.result;
  if (rewritten !== undefined) {
    event.rewritten = true;
    event.rewrittenText = rewritten.text;
  }
  event.sessionId = session.sessionId;
  event.statementId = statementId.text;
  event.type = 'statement';
  return event;
}

/** A statement result's own fields (no envelope), guarded, with what the guard blanked. */
export interface GuardedResult {
  readonly result: StatementResult;
  readonly redactions: number;
}

export function statementResult(result: AuditResultEvent): GuardedResult {
  const out = { durationMs: result.durationMs } as Draft<StatementResult>;
  let redactions = 0;
  if (result.errorCode !== undefined) {
    const errorCode = guardToken(result.errorCode);
    redactions = errorCode.redactions;
    out.errorCode = errorCode.text;
  }
  if (result.maskedValues !== undefined) out.maskedValues = result.maskedValues;
  out.outcome = result.outcome ?? (result.errorCode !== undefined ? 'error' : 'ok');
  if (result.rowsAffected !== undefined) out.rowsAffected = result.rowsAffected;
  const rowsReturned = result.rowsReturned ?? result.rows;
  if (rowsReturned !== undefined) out.rowsReturned = rowsReturned;
  return { result: out, redactions };
}

export function statementResultEvent(session: SessionContext | undefined, result: AuditResultEvent, at: Date): StatementResultEvent {
  const guard = new Guard();
  const own = statementResult(result);
  guard.redactions += own.redactions;
  return {
    type: 'statement.result',
    at: isoTime(at),
    ...(session ? scope(session) : {}),
    sessionId: guard.token(result.sessionId),
    statementId: guard.token(result.statementId),
    ...own.result,
    ...guard.stamp(),
  };
}

/**
 * The statement record with its result folded in (see StatementEvent.result): the result's own
 * fields, guarded exactly as statementResultEvent guards them.
 */
export function statementWithResult(statement: StatementEvent, result: StatementResultEvent): StatementEvent {
  return foldResult(statement, {
    result: {
      outcome: result.outcome,
      ...(result.rowsReturned !== undefined ? { rowsReturned: result.rowsReturned } : {}),
      ...(result.rowsAffected !== undefined ? { rowsAffected: result.rowsAffected } : {}),
      durationMs: result.durationMs,
      ...(result.maskedValues !== undefined ? { maskedValues: result.maskedValues } : {}),
      ...(result.errorCode !== undefined ? { errorCode: result.errorCode } : {}),
    },
    redactions: result.guardRedactions ?? 0,
  });
}

/** A new statement record: `statement` with `result` folded in and the guards' counts added up. */
export function foldResult(statement: StatementEvent, result: GuardedResult): StatementEvent {
  const redactions = (statement.guardRedactions ?? 0) + result.redactions;
  const combined: Draft<StatementEvent> = { ...statement, result: result.result };
  if (redactions > 0) combined.guardRedactions = redactions;
  return combined;
}

/**
 * `date.toISOString()`, with the text up to the seconds reused while the second lasts: every
 * statement record carries a timestamp, and a busy gateway stamps thousands in the same second.
 */
let isoSecond = -1;
let isoPrefix = '';
export function isoTime(date: Date): string {
  return isoTimeAt(date.getTime());
}

/** isoTime of a time in epoch milliseconds (throws on NaN, as toISOString does). */
export function isoTimeAt(ms: number): string {
  // Before 1970 (and an invalid date, which throws as toISOString does): no cache.
  if (!(ms >= 0)) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    const full = new Date(ms).toISOString();
    // After 9999 the year has a longer form: not cached (nor expected).
    if (full.length !== 24) return full;
    isoSecond = second;
    isoPrefix = full.slice(0, 20);
  }
  const milli = ms - second * 1000;
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** Input for the events that are not part of a session's statement flow; `at` defaults to now. */
export type EventInput<E> = Omit<E, 'type' | 'at' | 'guardRedactions'> & { readonly at?: Date };

export function authRefusedEvent(input: EventInput<AuthRefusedEvent>): AuthRefusedEvent {
  const guard = new Guard();
  const { at, client, claimedUser, reason, authMethod, ...rest } = input;
  return {
    ...rest,
    type: 'auth.refused',
    at: (at ?? new Date()).toISOString(),
    client: { address: guard.token(client.address), ...(client.application !== undefined ? { application: guard.prose(client.application) } : {}) },
    ...(claimedUser !== undefined ? { claimedUser: guard.token(claimedUser) } : {}),
    ...(authMethod !== undefined ? { authMethod: guard.token(authMethod) } : {}),
    reason: guard.token(reason),
    ...guard.stamp(),
  };
}

export function approvalEvent(input: EventInput<ApprovalEvent>): ApprovalEvent {
  const guard = new Guard();
  const { at, approvalId, actor, fingerprint, rule, comment, ...rest } = input;
  return {
    ...rest,
    type: 'approval',
    at: (at ?? new Date()).toISOString(),
    approvalId: guard.token(approvalId),
    ...(actor !== undefined ? { actor: guard.token(actor) } : {}),
    ...(fingerprint !== undefined ? { fingerprint: guard.sql(fingerprint, '') } : {}),
    ...(rule !== undefined ? { rule: guard.token(rule) } : {}),
    ...(comment !== undefined ? { comment: guard.prose(comment) } : {}),
    ...guard.stamp(),
  };
}

export function reloadEvent(input: EventInput<ReloadEvent>): ReloadEvent {
  const guard = new Guard();
  const { at, actor, ...rest } = input;
  return {
    ...rest,
    type: 'reload',
    at: (at ?? new Date()).toISOString(),
    ...(actor !== undefined ? { actor: guard.token(actor) } : {}),
    ...guard.stamp(),
  };
}

export function adminEvent(input: EventInput<AdminEvent>): AdminEvent {
  const guard = new Guard();
  const { at, actor, action, resource, client, ...rest } = input;
  return {
    ...rest,
    type: 'admin',
    at: (at ?? new Date()).toISOString(),
    actor: guard.token(actor),
    action: guard.token(action),
    ...(resource !== undefined ? { resource: guard.token(resource) } : {}),
    ...(client !== undefined ? { client: { address: guard.token(client.address), ...(client.application !== undefined ? { application: guard.prose(client.application) } : {}) } } : {}),
    ...guard.stamp(),
  };
}

function joinUnique(values: readonly string[], separator: string): string {
  // Nearly every statement has one action: no Set for it.
  return values.length === 1 ? values[0]! : [...new Set(values)].join(separator);
}
