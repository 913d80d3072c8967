import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DialectAdapter, Session, SessionContext } from '@gatehouse/core';
import { PostgresSession } from './session/postgres-session.js';
import type { PostgresListenerOptions } from './session/postgres-session.js';

/** The PostgreSQL dialect adapter: one PostgresSession per client connection. */
export function createPostgresAdapter(options: PostgresListenerOptions): DialectAdapter {
  return {
    dialect: 'postgres',
    accept(socket: Duplex, context: SessionContext): Session {
      return new PostgresSession(socket as Socket, context, options);
    },
  };
}
