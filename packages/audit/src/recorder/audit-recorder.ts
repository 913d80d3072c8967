import type { AuditQueryEvent, AuditResultEvent, AuditSessionInfo, AuditSink } from '@gatehouse/core';
import {
  adminEvent,
  approvalEvent,
  authRefusedEvent,
  reloadEvent,
  sessionContext,
  sessionEndEvent,
  sessionStartEvent,
  statementRecord,
  statementResultEvent,
  statementStamp,
} from '../events/build-events.js';
import type { EventInput, SessionContext } from '../events/build-events.js';
import type { AdminEvent, ApprovalEvent, AuthRefusedEvent, ReloadEvent } from '../events/event-types.js';
import { PendingStatement } from '../events/pending-statement.js';
import type { AuditWriter, Durability } from '../writer/audit-writer.js';

export interface AuditRecorderOptions {
  /**
   * How long an `async` statement record may wait for its result so both go in one event (default
   * 100 ms; 0 turns combining off). Every event costs the store a row, a hash and index entries:
   * for the usual short statement, one event instead of two halves the trail's work. The wait is
   * bounded, so a long-running statement is still on record while it runs.
   */
  readonly combineWithinMs?: number;
}

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
  readonly #combineWithinMs: number;
  /**
   * At most one held statement per session, so a session's records keep their order: an async
   * record waits for its result, so the record is built once (by the writer, off the statement's
   * path), with the result in it when the result comes in time.
   */
  readonly #held = new Map<string, PendingStatement>();
  #sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(writer: AuditWriter, digestKey?: Uint8Array | string, options: AuditRecorderOptions = {}) {
    this.#writer = writer;
    this.#digestKey = digestKey;
    this.#combineWithinMs = Math.max(0, options.combineWithinMs ?? 100);
  }

  /** Writes every held statement record now (before a drain, a verify or close). */
  flushHeld(): void {
    for (const sessionId of [...this.#held.keys()]) this.#release(sessionId);
  }

  /** Stops the timer that releases held records; releases them. */
  close(): void {
    this.flushHeld();
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
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

  /** undefined: queued (async), nothing to wait for; else the promise the statement must wait for. */
  #query(event: AuditQueryEvent): Promise<void> | undefined {
    const session = this.#sessions.get(event.sessionId);
    const context = session?.context ?? orphanContext(event.sessionId);
    context.statements++;
    const durability = session?.durability ?? 'before-forward';
    if (durability !== 'async') {
      // Digests and timestamp now: if they fail, the statement is refused, never left unrecorded.
      const record = statementRecord(context, event, statementStamp(event, this.#digestKey));
      this.#release(event.sessionId);
      return this.#writer.write(record, durability);
    }
    // What can fail is checked now (a failure refuses the statement); the record is built later.
    const pending = new PendingStatement(context, event, this.#digestKey, this.#combineWithinMs > 0 ? Date.now() : 0);
    this.#release(event.sessionId);
    // Held for its result only where nothing waits for the record: not a review (approval events
    // refer to it), and not when the queue is full (then the write must apply back-pressure).
    if (this.#combineWithinMs > 0 && event.decision.effect !== 'review' && !this.#writer.congested()) {
      this.#held.set(event.sessionId, pending);
      this.#sweeper ??= this.#startSweeper();
      return undefined;
    }
    return this.#writer.queue(pending);
  }

  /** Always async: undefined when queued, a promise only while the queue is full (or closed). */
  #result(event: AuditResultEvent): Promise<void> | undefined {
    const held = this.#held.get(event.sessionId);
    if (held && held.statementId === event.statementId) {
      this.#held.delete(event.sessionId);
      return this.#writer.queue(held.fold(event));
    }
    this.#release(event.sessionId);
    return this.#writer.queue(statementResultEvent(this.#sessions.get(event.sessionId)?.context, event, new Date()));
  }

  #sessionEnd(sessionId: string, endedAt: Date): Promise<void> {
    this.#release(sessionId);
    const session = this.#sessions.get(sessionId);
    this.#sessions.delete(sessionId);
    if (!session) return Promise.resolve();
    return this.#writer.write(sessionEndEvent(session.context, endedAt), 'async');
  }

  /** Writes the session's held statement record (alone), if there is one. */
  #release(sessionId: string): void {
    const held = this.#held.get(sessionId);
    if (!held) return;
    this.#held.delete(sessionId);
    // Async: queued in order; a store failure is retried by the writer, never dropped.
    this.#writer.queue(held)?.catch(() => undefined);
  }

  /** Releases records whose result did not come in time; one timer for all sessions. */
  #startSweeper(): ReturnType<typeof setInterval> {
    const timer = setInterval(
      () => {
        const due = Date.now() - this.#combineWithinMs;
        for (const [sessionId, held] of this.#held) if (held.since <= due) this.#release(sessionId);
      },
      Math.max(10, Math.floor(this.#combineWithinMs / 2)),
    );
    timer.unref();
    return timer;
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
