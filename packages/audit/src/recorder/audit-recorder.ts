import type { AuditQueryEvent, AuditResultEvent, AuditSessionInfo, AuditSink } from '@gatehouse/core';
import {
  adminEvent,
  approvalEvent,
  authRefusedEvent,
  reloadEvent,
  sessionContext,
  sessionEndEvent,
  sessionStartEvent,
  statementEvent,
  statementResultEvent,
} from '../events/build-events.js';
import type { EventInput, SessionContext } from '../events/build-events.js';
import type { AdminEvent, ApprovalEvent, AuthRefusedEvent, ReloadEvent } from '../events/event-types.js';
import type { AuditWriter, Durability } from '../writer/audit-writer.js';

/**
 * Turns the gateway's hooks into audit events. One recorder per gateway; `sink(durability)` gives
 * each connection's pipeline the core AuditSink it calls. Only the statement record (onQuery)
 * waits for the chosen durability: results and session ends go async (still in order, never
 * dropped), so a durable trail costs one wait per statement, before forwarding.
 */
export class AuditRecorder {
  readonly #writer: AuditWriter;
  readonly #digestKey: Uint8Array | string | undefined;
  readonly #sessions = new Map<string, { context: SessionContext; durability: Durability }>();

  constructor(writer: AuditWriter, digestKey?: Uint8Array | string) {
    this.#writer = writer;
    this.#digestKey = digestKey;
  }

  /** The AuditSink for connections configured with this durability. */
  sink(durability: Durability): AuditSink {
    return {
      onSessionStart: (session) => this.#sessionStart(session, durability),
      onQuery: (event) => this.#query(event),
      onResult: (event) => this.#result(event),
      onSessionEnd: (sessionId, endedAt) => this.#sessionEnd(sessionId, endedAt),
    };
  }

  /** Sessions open right now (for the admin API's live-session list). */
  openSessions(): number {
    return this.#sessions.size;
  }

  /** A refused login; durable before the refusal is sent, so brute force leaves a trace. */
  authRefused(input: EventInput<AuthRefusedEvent>): Promise<void> {
    return this.#writer.write(authRefusedEvent(input), 'before-forward');
  }

  approvalChanged(input: EventInput<ApprovalEvent>): Promise<void> {
    return this.#writer.write(approvalEvent(input), 'before-forward');
  }

  reloaded(input: EventInput<ReloadEvent>): Promise<void> {
    return this.#writer.write(reloadEvent(input), 'before-forward');
  }

  /** Call before acting on an admin request (and again with the outcome if it failed). */
  adminAction(input: EventInput<AdminEvent>): Promise<void> {
    return this.#writer.write(adminEvent(input), 'before-forward');
  }

  #sessionStart(info: AuditSessionInfo, durability: Durability): Promise<void> {
    this.#sessions.set(info.sessionId, { context: sessionContext(info), durability });
    return this.#writer.write(sessionStartEvent(info), durability);
  }

  #query(event: AuditQueryEvent): Promise<void> {
    const session = this.#sessions.get(event.sessionId);
    const context = session?.context ?? orphanContext(event.sessionId);
    context.statements++;
    return this.#writer.write(statementEvent(context, event, this.#digestKey), session?.durability ?? 'before-forward');
  }

  #result(event: AuditResultEvent): Promise<void> {
    return this.#writer.write(statementResultEvent(this.#sessions.get(event.sessionId)?.context, event, new Date()), 'async');
  }

  #sessionEnd(sessionId: string, endedAt: Date): Promise<void> {
    const session = this.#sessions.get(sessionId);
    this.#sessions.delete(sessionId);
    if (!session) return Promise.resolve();
    return this.#writer.write(sessionEndEvent(session.context, endedAt), 'async');
  }
}

/** A statement for a session the recorder never saw start: still recorded, durably, never dropped. */
function orphanContext(sessionId: string): SessionContext {
  return {
    sessionId,
    principal: { id: '?', groups: [], kind: 'service', via: 'unknown' },
    connection: '?',
    environment: '?',
    dialect: '?',
    startedAt: Date.now(),
    statements: 0,
  };
}
