import { runProgram } from './run-program.js';

/** Where pgbench connects and as whom. */
export interface PgbenchEndpoint {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly sslmode: 'disable' | 'require';
}

export type PgbenchProtocol = 'simple' | 'extended';

export interface PgbenchResult {
  readonly tps: number;
  readonly latencyMs: number;
  readonly transactions: number;
}

export class PgbenchOutputError extends Error {}

/** Client shape for every run: 4 clients on 2 threads, as DESIGN.md's budget is stated. */
const CLIENTS = 4;
const THREADS = 2;

/**
 * One `pgbench -S` run (the built-in select-only script). `-n` skips pgbench's own VACUUM: it is
 * not part of the workload, and a gateway policy may rightly refuse it.
 */
export async function runPgbench(endpoint: PgbenchEndpoint, protocol: PgbenchProtocol, seconds: number): Promise<PgbenchResult> {
  const output = await runProgram(
    'pgbench',
    ['-n', '-S', '-M', protocol, '-c', String(CLIENTS), '-j', String(THREADS), '-T', String(seconds), '-h', '127.0.0.1', '-p', String(endpoint.port), '-U', endpoint.user, endpoint.database],
    {
      env: { ...process.env, PGPASSWORD: endpoint.password, PGSSLMODE: endpoint.sslmode, PGCONNECT_TIMEOUT: '10' },
      timeoutMs: (seconds + 60) * 1000,
    },
  );
  return parsePgbenchOutput(output);
}

export function parsePgbenchOutput(output: string): PgbenchResult {
  const tps = /^tps = ([\d.]+)/m.exec(output);
  const latency = /^latency average = ([\d.]+) ms/m.exec(output);
  const transactions = /^number of transactions actually processed: (\d+)/m.exec(output);
  const failed = /^number of failed transactions: (\d+)/m.exec(output);
  if (!tps || !latency || !transactions) throw new PgbenchOutputError(`unexpected pgbench output:\n${output}`);
  // pgbench 15 counts failures instead of aborting on some errors; a refused statement must not pass as a fast one.
  if (failed && Number(failed[1]) > 0) throw new PgbenchOutputError(`pgbench reported ${failed[1]} failed transactions:\n${output}`);
  return { tps: Number(tps[1]), latencyMs: Number(latency[1]), transactions: Number(transactions[1]) };
}
