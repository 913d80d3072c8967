import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from './postgres-server.js';
import type { PostgresServer } from './postgres-server.js';

describe('startPostgres', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('serves the application role over TLS verified against the throwaway CA', async () => {
    const client = new pg.Client({
      host: 'localhost',
      port: server.port,
      user: server.user,
      password: server.password,
      database: server.database,
      ssl: { ca: readFileSync(server.caCertFile!, 'utf8'), rejectUnauthorized: true },
    });
    await client.connect();
    const { rows } = await client.query<{ ssl: boolean; user: string }>(
      'SELECT ssl, current_user AS user FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE pid = pg_backend_pid()',
    );
    await client.end();
    expect(rows[0]).toEqual({ ssl: true, user: 'gatehouse_svc' });
  });

  it('refuses a wrong password', async () => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: server.port,
      user: server.user,
      password: 'wrong',
      database: server.database,
      ssl: { ca: readFileSync(server.caCertFile!, 'utf8') },
    });
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
  });

  it('reports a server version', () => {
    expect(server.version).toMatch(/^\d+\.\d+/);
  });
});
