import { ensureDebianPackages, isExecutable, runCommand } from '@gatehouse/testkit';

const SYSBENCH = '/usr/bin/sysbench';

/** Where sysbench connects and as whom (always plaintext: `--mysql-ssl=off`). */
export interface SysbenchEndpoint {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** The oltp_read_only data set and client shape. */
export interface SysbenchWorkload {
  readonly tables: number;
  readonly tableSize: number;
  readonly threads: number;
}

export interface SysbenchResult {
  readonly tps: number;
  readonly qps: number;
  readonly transactions: number;
  readonly latencyAvgMs: number;
  readonly latencyP95Ms: number;
}

export class SysbenchOutputError extends Error {}

/**
 * libmariadb loads authentication plugins on first use, and sysbench's threads connect at once: two
 * threads loading the same plugin race ("Plugin mysql_clear_password could not be loaded: it is already
 * loaded"). Loading them when the library starts, as LIBMYSQL_PLUGINS asks, takes the race away.
 */
const SYSBENCH_ENV = { ...process.env, LIBMYSQL_PLUGINS: 'caching_sha2_password;mysql_clear_password' };

/** Debian's `sysbench`, installed with apt on first use (benchmarks only; CI does not need it). */
export async function ensureSysbench(): Promise<void> {
  await ensureDebianPackages(['sysbench'], () => isExecutable(SYSBENCH));
}

function connectionArgs(endpoint: SysbenchEndpoint, workload: SysbenchWorkload): string[] {
  return [
    'oltp_read_only',
    '--db-driver=mysql',
    '--mysql-host=127.0.0.1',
    `--mysql-port=${endpoint.port}`,
    `--mysql-user=${endpoint.user}`,
    `--mysql-password=${endpoint.password}`,
    `--mysql-db=${endpoint.database}`,
    '--mysql-ssl=off',
    `--tables=${workload.tables}`,
    `--table-size=${workload.tableSize}`,
  ];
}

/** Creates and fills the sbtest tables (straight against the server). */
export async function sysbenchPrepare(endpoint: SysbenchEndpoint, workload: SysbenchWorkload): Promise<void> {
  await runCommand(SYSBENCH, [...connectionArgs(endpoint, workload), `--threads=${Math.min(workload.threads, workload.tables)}`, 'prepare'], { timeoutMs: 600_000, env: SYSBENCH_ENV });
}

/**
 * One `sysbench oltp_read_only run`: each transaction is BEGIN, 10 point selects, 4 range queries
 * (plain, SUM, ORDER BY, DISTINCT) and COMMIT, as server-side prepared statements (sysbench's
 * default with the MySQL driver). Any failed query aborts sysbench, so a refusal cannot pass as speed.
 */
export async function runSysbench(endpoint: SysbenchEndpoint, workload: SysbenchWorkload, seconds: number): Promise<SysbenchResult> {
  const output = await runCommand(
    SYSBENCH,
    [...connectionArgs(endpoint, workload), `--threads=${workload.threads}`, `--time=${seconds}`, '--report-interval=0', '--histogram=off', 'run'],
    { timeoutMs: (seconds + 60) * 1000, env: SYSBENCH_ENV },
  ).catch((error: unknown) => {
    // The failure message repeats the command line, password (a gateway token) included; so would its cause.
    throw new SysbenchOutputError((error as Error).message.split(endpoint.password).join('<password>'));
  });
  return parseSysbenchOutput(output);
}

export function parseSysbenchOutput(output: string): SysbenchResult {
  const transactions = /^\s*transactions:\s+(\d+)\s+\(([\d.]+) per sec\.\)/m.exec(output);
  const queries = /^\s*queries:\s+(\d+)\s+\(([\d.]+) per sec\.\)/m.exec(output);
  const errors = /^\s*ignored errors:\s+(\d+)/m.exec(output);
  const avg = /^\s*avg:\s+([\d.]+)/m.exec(output);
  const p95 = /^\s*95th percentile:\s+([\d.]+)/m.exec(output);
  if (!transactions || !queries || !avg || !p95) throw new SysbenchOutputError(`unexpected sysbench output:\n${output}`);
  if (errors && Number(errors[1]) > 0) throw new SysbenchOutputError(`sysbench ignored ${errors[1]} errors:\n${output}`);
  return {
    transactions: Number(transactions[1]),
    tps: Number(transactions[2]),
    qps: Number(queries[2]),
    latencyAvgMs: Number(avg[1]),
    latencyP95Ms: Number(p95[1]),
  };
}
