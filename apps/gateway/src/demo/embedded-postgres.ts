import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Enough connections for the gateway's catalog lookups plus a handful of demo clients. PGlite runs
 * one statement at a time whatever this is; the limit only decides how many sockets it accepts.
 */
const MAX_CONNECTIONS = 32;

/**
 * PostgreSQL compiled to WASM, in this process, in memory, on a free loopback port: the demo's
 * database with nothing installed. It speaks no TLS and trusts every login (it ignores the user
 * and database names), so the gateway reaches it with upstream TLS `disable`.
 */
export async function startEmbeddedPostgres(seedSql: string): Promise<EmbeddedPostgres> {
  const db = await PGlite.create();
  await db.exec(seedSql);
  const host = '127.0.0.1';
  const server = new PGLiteSocketServer({ db, host, port: 0, maxConnections: MAX_CONNECTIONS });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const port = Number(server.getServerConn().split(':').pop());
  return {
    host,
    port,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
