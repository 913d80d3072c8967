import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DialectAdapter, Session, SessionContext } from '@gatehouse/core';
import { MysqlSession } from './session/mysql-session.js';
import type { MysqlListenerOptions } from './session/mysql-session.js';
import { SessionRegistry } from './session/session-registry.js';

export type MysqlAdapterOptions = Omit<MysqlListenerOptions, 'sessions'> & { readonly sessions?: SessionRegistry };

/** The MySQL/MariaDB dialect adapter: one MysqlSession per client connection. */
export function createMysqlAdapter(options: MysqlAdapterOptions): DialectAdapter {
  const listener: MysqlListenerOptions = { ...options, sessions: options.sessions ?? new SessionRegistry() };
  return {
    dialect: 'mysql',
    accept(socket: Duplex, context: SessionContext): Session {
      return new MysqlSession(socket as Socket, context, listener);
    },
  };
}
