import type { Duplex } from 'node:stream';
import type { Dialect } from './dialect.js';

/** What the gateway hands an adapter for one client connection. */
export interface SessionContext {
  /** Unique per connection; appears in logs, audit and traces. */
  readonly sessionId: string;
  readonly connection: string;
  readonly environment: string;
  readonly clientAddress: string;
}

/** One client connection's state machine, owned by its adapter. */
export interface Session {
  readonly id: string;
  /** Resolves when the session has ended, cleanly or not. Never rejects. */
  readonly closed: Promise<void>;
  /** Ends the session once the statement in flight (if any) has finished: graceful shutdown. */
  drain(): void;
  /** Ends the session now. */
  close(reason: string): void;
}

/** Turns one dialect's native protocol into actions and back. Knows bytes, never policy. */
export interface DialectAdapter {
  readonly dialect: Dialect;
  accept(socket: Duplex, context: SessionContext): Session;
}
