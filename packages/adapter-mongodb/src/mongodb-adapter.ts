import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DialectAdapter, Session, SessionContext } from '@gatehouse/core';
import { MongoSession } from './session/mongo-session.js';
import type { MongoListenerOptions } from './session/mongo-session.js';

/** The MongoDB dialect adapter: one MongoSession per client connection. */
export function createMongoAdapter(options: MongoListenerOptions): DialectAdapter {
  return {
    dialect: 'mongodb',
    accept(socket: Duplex, context: SessionContext): Session {
      return new MongoSession(socket as Socket, context, options);
    },
  };
}
