import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Engine } from './engine/database.js';
import { serveConnection } from './connection.js';
import { ServerState } from './server-state.js';
import type { ServerEvent, TlsSettings } from './server-state.js';

export interface TdsTestServerOptions {
  /** Users for SQL authentication: login name → password. */
  readonly users: Readonly<Record<string, string>>;
  /** Certificate and PRELOGIN encryption setting; without it the server answers ENCRYPT_NOT_SUP and refuses TDS 8. */
  readonly tls?: TlsSettings;
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Answer every successful login with ENVCHANGE routing (type 20) to this server, then close. */
  readonly route?: { readonly server: string; readonly port: number };
  /** Told of every event as it happens (the CLI prints them, for tests in another process). */
  readonly onEvent?: (event: ServerEvent) => void;
}

/**
 * A running TDS test server. NOT SQL Server: a stand-in speaking TDS 7.4 (and TDS 8 strict) over
 * SQLite, for tests on machines where SQL Server cannot be installed.
 */
export interface TdsTestServer {
  readonly host: string;
  readonly port: number;
  /** What the server saw (logins, batches, RPC procedures, attentions), newest last; no secrets. */
  readonly events: readonly ServerEvent[];
  /** Runs T-SQL directly on the engine (test setup), bypassing TDS. */
  execute(tsql: string): void;
  stop(): Promise<void>;
}

export async function startTdsTestServer(options: TdsTestServerOptions): Promise<TdsTestServer> {
  const engine = await Engine.create();
  const state = new ServerState(engine, new Map(Object.entries(options.users)), options.tls, options.route);
  state.onEvent = options.onEvent;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    serveConnection(socket, state).catch((error: unknown) => {
      state.record({ spid: 0, event: 'connection-error', message: error instanceof Error ? error.message : String(error) });
      socket.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    events: state.events,
    execute: (tsql: string) => {
      const outcome = engine.run(tsql, {});
      if (outcome.kind === 'rows') outcome.set.close();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          engine.close();
          resolve();
        });
      }),
  };
}
