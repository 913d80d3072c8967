import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { DialectAdapter, Session } from '@gatehouse/core';
import { Listener } from './listener.js';
import type { ListenAddress } from './listener.js';
import type { Logger } from './logger.js';

/** One configured connection: where it listens and which adapter serves it. */
export interface GatewayListenerSpec {
  readonly connection: string;
  readonly environment: string;
  readonly listen: ListenAddress;
  readonly adapter: DialectAdapter;
}

export interface GatewayOptions {
  readonly logger: Logger;
  /** How long in-flight statements may take to finish on shutdown before sessions are cut. */
  readonly drainTimeoutMs?: number;
}

export interface BoundListener {
  readonly connection: string;
  readonly address: ListenAddress;
}

/**
 * Listeners and live sessions. One session's failure never touches another: each socket gets its
 * own adapter session, errors are contained there, and the gateway only tracks lifetimes.
 */
export class Gateway {
  readonly #specs: readonly GatewayListenerSpec[];
  readonly #logger: Logger;
  readonly #drainTimeoutMs: number;
  readonly #listeners: Listener[] = [];
  readonly #sessions = new Map<string, Session>();
  #draining: Promise<void> | undefined;

  constructor(specs: readonly GatewayListenerSpec[], options: GatewayOptions) {
    this.#specs = specs;
    this.#logger = options.logger;
    this.#drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  }

  /** Binds every listener; if one cannot bind, the ones already bound are closed and the error names it. */
  async start(): Promise<BoundListener[]> {
    const bound: BoundListener[] = [];
    for (const spec of this.#specs) {
      const listener = new Listener((socket) => this.#accept(spec, socket));
      try {
        const address = await listener.listen(spec.listen);
        this.#listeners.push(listener);
        bound.push({ connection: spec.connection, address });
        this.#logger.info({ connection: spec.connection, dialect: spec.adapter.dialect, address }, 'listening');
      } catch (error) {
        for (const started of this.#listeners) started.stopAccepting();
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`connection "${spec.connection}" cannot listen on ${spec.listen.host}:${spec.listen.port}: ${reason}`, { cause: error });
      }
    }
    return bound;
  }

  get activeSessions(): number {
    return this.#sessions.size;
  }

  /** Ids of the sessions open right now (the admin API joins them with who is speaking). */
  sessionIds(): string[] {
    return [...this.#sessions.keys()];
  }

  /** Ends one session now (admin terminate); false when no such session is open. */
  terminate(sessionId: string, reason: string): boolean {
    const session = this.#sessions.get(sessionId);
    if (!session) return false;
    this.#logger.info({ sessionId, reason }, 'terminating session');
    session.close(reason);
    return true;
  }

  /**
   * Graceful shutdown: stop accepting, let each session finish its statement in flight, then cut
   * whatever is left when the drain timeout passes. Resolves when every session has ended.
   */
  drain(): Promise<void> {
    this.#draining ??= this.#drain();
    return this.#draining;
  }

  async #drain(): Promise<void> {
    for (const listener of this.#listeners) listener.stopAccepting();
    const sessions = [...this.#sessions.values()];
    this.#logger.info({ sessions: sessions.length, timeoutMs: this.#drainTimeoutMs }, 'draining');
    for (const session of sessions) session.drain();
    const allClosed = Promise.all(sessions.map((session) => session.closed));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.#drainTimeoutMs)));
    const outcome = await Promise.race([allClosed.then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.#logger.warn({ sessions: this.#sessions.size }, 'drain timeout: closing remaining sessions');
      for (const session of this.#sessions.values()) session.close('gateway shutting down');
      for (const listener of this.#listeners) listener.destroyAll();
      await Promise.race([allClosed, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    }
  }

  #accept(spec: GatewayListenerSpec, socket: Socket): void {
    // A socket error with no listener would crash the process; the adapter adds its own handling.
    socket.on('error', () => undefined);
    if (this.#draining) {
      socket.destroy();
      return;
    }
    const sessionId = randomUUID();
    const clientAddress = socket.remoteAddress ?? 'unknown';
    let session: Session;
    try {
      session = spec.adapter.accept(socket, { sessionId, connection: spec.connection, environment: spec.environment, clientAddress });
    } catch (error) {
      this.#logger.error({ sessionId, connection: spec.connection, err: errorSummary(error) }, 'session failed to start');
      socket.destroy();
      return;
    }
    this.#sessions.set(session.id, session);
    void session.closed.then(() => this.#sessions.delete(session.id));
  }
}

/** Error name and message only: messages from our code carry no literals; stacks stay out of logs. */
export function errorSummary(error: unknown): { type: string; message: string } {
  if (error instanceof Error) return { type: error.name, message: error.message };
  return { type: typeof error, message: 'non-error thrown' };
}
