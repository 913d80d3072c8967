import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DialectAdapter, Session, SessionContext } from '@gatehouse/core';
import { CommandClassifications } from './classify/classification-cache.js';
import { MongoSession } from './session/mongo-session.js';
import type { MongoListenerOptions } from './session/mongo-session.js';
import { OperationRegistry } from './session/operation-registry.js';

/** The MongoDB dialect adapter: one MongoSession per client connection. */
export function createMongoAdapter(options: MongoListenerOptions): DialectAdapter {
  // Logical sessions span connections (drivers pool them), so the registry is the listener's; so
  // is the classification cache (a shape classified for one connection serves every other).
  const shared: MongoListenerOptions = {
    ...options,
    operations: options.operations ?? new OperationRegistry(),
    classifications: options.classifications ?? new CommandClassifications(),
  };
  return {
    dialect: 'mongodb',
    accept(socket: Duplex, context: SessionContext): Session {
      return new MongoSession(socket as Socket, context, shared);
    },
  };
}
