import type { SessionStart } from '@gatehouse/proxy';

/** A session as the admin API lists it. */
export interface LiveSession {
  readonly sessionId: string;
  readonly principal: { readonly id: string; readonly groups: readonly string[]; readonly kind: string };
  readonly connection: string;
  readonly environment: string;
  readonly dialect: string;
  readonly clientAddress: string;
  readonly applicationName?: string;
  readonly tls: boolean;
  readonly startedAt: string;
  statements: number;
  /** An approval the session is waiting on right now. */
  holding?: string;
}

/** Who is connected right now, fed by the session hooks (the Gateway knows sockets, not principals). */
export class LiveSessions {
  readonly #sessions = new Map<string, LiveSession>();

  started(session: SessionStart): void {
    this.#sessions.set(session.sessionId, {
      sessionId: session.sessionId,
      principal: { id: session.principal.id, groups: session.principal.groups, kind: session.principal.kind },
      connection: session.target.connection,
      environment: session.target.environment,
      dialect: session.target.dialect,
      clientAddress: session.clientAddress,
      ...(session.applicationName !== undefined ? { applicationName: session.applicationName } : {}),
      tls: session.tls,
      startedAt: session.startedAt.toISOString(),
      statements: 0,
    });
  }

  ended(sessionId: string): void {
    this.#sessions.delete(sessionId);
  }

  get(sessionId: string): LiveSession | undefined {
    return this.#sessions.get(sessionId);
  }

  list(): LiveSession[] {
    return [...this.#sessions.values()];
  }
}
