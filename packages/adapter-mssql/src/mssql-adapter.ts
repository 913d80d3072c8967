import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DialectAdapter, Session, SessionContext } from '@gatehouse/core';
import { MssqlSession } from './session/mssql-session.js';
import type { MssqlListenerOptions } from './session/mssql-session.js';

/** The SQL Server (TDS) dialect adapter: one MssqlSession per client connection. */
export function createMssqlAdapter(options: MssqlListenerOptions): DialectAdapter {
  return {
    dialect: 'mssql',
    accept(socket: Duplex, context: SessionContext): Session {
      return new MssqlSession(socket as Socket, context, options);
    },
  };
}
