import { startPostgres } from '@gatehouse/testkit';
import { runProgram } from './run-program.js';
import type { PostgresServer } from '@gatehouse/testkit';

/** pgbench scale: 1,000,000 accounts, so index lookups are real work and not a toy table. */
const SCALE = 10;

/**
 * A throwaway PostgreSQL (TLS on, so the TLS variant can use the same server) with the pgbench
 * tables created by the application role, which is also whom every target logs in as upstream.
 */
export async function startBenchDatabase(): Promise<PostgresServer> {
  const server = await startPostgres({ tls: true });
  try {
    await runProgram('pgbench', ['-i', '-q', '-s', String(SCALE), '-h', server.host, '-p', String(server.port), '-U', server.user, server.database], {
      env: { ...process.env, PGPASSWORD: server.password, PGSSLMODE: 'disable' },
      timeoutMs: 600_000,
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
