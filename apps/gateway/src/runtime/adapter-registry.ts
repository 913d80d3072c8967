import { createSecureContext } from 'node:tls';
import type { Dialect, DialectAdapter, Masker, Principal } from '@gatehouse/core';
import { GatehouseError } from '@gatehouse/core';
import { CursorRegistry, UpstreamFactsCache, createMongoAdapter } from '@gatehouse/adapter-mongodb';
import { createMssqlAdapter } from '@gatehouse/adapter-mssql';
import { createMysqlAdapter } from '@gatehouse/adapter-mysql';
import { CancelRegistry, UpstreamCatalog, createPostgresAdapter } from '@gatehouse/adapter-postgres';
import type { Logger, PemKeyPair, SessionHooks, SqlStatementDecider } from '@gatehouse/proxy';
import { upstreamTlsOptions } from '@gatehouse/proxy';
import type { ConnectionConfig } from '../config/gateway-config.js';

/** What every adapter gets from the gateway: identity, the decision step, masking, logging. */
export interface SharedServices {
  authenticate(request: { user: string; credential: string; clientAddress: string }): Promise<Principal>;
  readonly decider: SqlStatementDecider;
  readonly masker: Masker;
  readonly logger: Logger;
  /** Audit, approvals, telemetry: composed once, driven by every adapter that supports hooks. */
  readonly hooks?: SessionHooks;
}

export interface BuiltAdapter {
  readonly adapter: DialectAdapter;
  /** Releases what the adapter holds beyond its sessions (catalog connections). */
  close(): void;
}

type AdapterFactory = (connection: ConnectionConfig, certificate: PemKeyPair, services: SharedServices) => BuiltAdapter;

export class UnsupportedDialectError extends GatehouseError {
  constructor(connection: string, dialect: Dialect) {
    super('gateway.unsupported-dialect', `connection "${connection}": dialect "${dialect}" has no adapter in this build yet`);
  }
}

/** One line per dialect: adding a dialect is one adapter package and one entry here. */
const ADAPTERS: Partial<Record<Dialect, AdapterFactory>> = {
  postgres: (connection, certificate, services) => {
    const upstream = {
      host: connection.upstream.host,
      port: connection.upstream.port,
      database: connection.upstream.database,
      user: connection.upstream.user,
      password: connection.upstream.password,
      tls: upstreamTlsOptions(connection.upstream.host, connection.upstream.tls),
    };
    const catalog = new UpstreamCatalog(upstream);
    const adapter = createPostgresAdapter({
      secureContext: createSecureContext({ cert: certificate.cert, key: certificate.key }),
      allowPlaintextOnLoopback: connection.allowPlaintextOnLoopback,
      upstream,
      authenticate: services.authenticate,
      decider: services.decider,
      masker: services.masker,
      catalog,
      cancelRegistry: new CancelRegistry(),
      logger: services.logger,
      ...(services.hooks ? { hooks: services.hooks } : {}),
      ...(connection.maxMessageBytes ? { maxMessageBytes: connection.maxMessageBytes } : {}),
    });
    return { adapter, close: () => catalog.close() };
  },
  mysql: (connection, certificate, services) => {
    const adapter = createMysqlAdapter({
      secureContext: createSecureContext({ cert: certificate.cert, key: certificate.key }),
      allowPlaintextOnLoopback: connection.allowPlaintextOnLoopback,
      upstream: {
        host: connection.upstream.host,
        port: connection.upstream.port,
        database: connection.upstream.database,
        user: connection.upstream.user,
        password: connection.upstream.password,
        tls: upstreamTlsOptions(connection.upstream.host, connection.upstream.tls),
        ...(connection.maxMessageBytes ? { maxPacketBytes: connection.maxMessageBytes } : {}),
      },
      authenticate: services.authenticate,
      decider: services.decider,
      masker: services.masker,
      logger: services.logger,
      ...(connection.maxMessageBytes ? { maxPacketBytes: connection.maxMessageBytes } : {}),
      ...(services.hooks ? { hooks: services.hooks } : {}),
    });
    return { adapter, close: () => undefined };
  },
  mssql: (connection, certificate, services) => {
    // SQL Server: the gateway logs in upstream with its SQL credentials (ENVCHANGE routing followed
    // there, never passed to clients); clients bring a token in LOGIN7's password slot, inside TLS.
    const adapter = createMssqlAdapter({
      certificate: { cert: certificate.cert, key: certificate.key },
      allowPlaintextOnLoopback: connection.allowPlaintextOnLoopback,
      upstream: {
        host: connection.upstream.host,
        port: connection.upstream.port,
        database: connection.upstream.database,
        user: connection.upstream.user,
        password: connection.upstream.password,
        tls: upstreamTlsOptions(connection.upstream.host, connection.upstream.tls),
        // TDS 8 strict: TLS first, before PRELOGIN (upstream.tls.strict; the config requires TLS for it).
        ...(connection.upstream.tls.strict === true ? { strict: true } : {}),
      },
      authenticate: services.authenticate,
      decider: services.decider,
      masker: services.masker,
      logger: services.logger,
      ...(connection.maxMessageBytes ? { maxMessageBytes: connection.maxMessageBytes } : {}),
      ...(services.hooks ? { hooks: services.hooks } : {}),
    });
    return { adapter, close: () => undefined };
  },
  mongodb: (connection, certificate, services) => {
    // MongoDB: `database` is where the gateway's user is defined (authSource); with no password
    // configured the gateway logs in to no one (an upstream without authentication).
    const upstream = {
      host: connection.upstream.host,
      port: connection.upstream.port,
      tls: upstreamTlsOptions(connection.upstream.host, connection.upstream.tls),
      ...(connection.upstream.password
        ? { user: connection.upstream.user, password: connection.upstream.password, authSource: connection.upstream.database }
        : {}),
    };
    const adapter = createMongoAdapter({
      secureContext: createSecureContext({ cert: certificate.cert, key: certificate.key }),
      allowPlaintextOnLoopback: connection.allowPlaintextOnLoopback,
      upstream,
      facts: new UpstreamFactsCache(upstream),
      cursors: new CursorRegistry(),
      authenticate: services.authenticate,
      decider: services.decider,
      masker: services.masker,
      logger: services.logger,
      ...(connection.maxMessageBytes ? { maxMessageBytes: connection.maxMessageBytes } : {}),
      ...(services.hooks ? { hooks: services.hooks } : {}),
    });
    return { adapter, close: () => undefined };
  },
};

export function buildAdapter(connection: ConnectionConfig, certificate: PemKeyPair, services: SharedServices): BuiltAdapter {
  const factory = ADAPTERS[connection.dialect];
  if (!factory) throw new UnsupportedDialectError(connection.name, connection.dialect);
  return factory(connection, certificate, services);
}
