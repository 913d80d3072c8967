import { spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages, freePort, isExecutable } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { logTail } from './log-tail.js';
import { processCpu } from './process-cpu.js';
import type { CpuTime } from './process-cpu.js';
import { runProgram } from './run-program.js';
import { systemAccount } from './system-account.js';
import { waitForPort } from './wait-for-port.js';

const PGBOUNCER = '/usr/sbin/pgbouncer';

export interface Pgbouncer {
  readonly port: number;
  readonly version: string;
  logTail(): string;
  cpu(): CpuTime;
  stop(): Promise<void>;
}

/**
 * pgbouncer in front of the server, configured as it is usually deployed: transaction pooling,
 * SCRAM from clients, one server connection per client at this load (pool size = clients), so it
 * is compared as a proxy and not as a connection multiplexer.
 */
export async function startPgbouncer(server: PostgresServer, poolSize: number): Promise<Pgbouncer> {
  await ensureDebianPackages(['pgbouncer'], () => isExecutable(PGBOUNCER));
  const account = process.getuid?.() === 0 ? systemAccount('postgres') : undefined;
  if (process.getuid?.() === 0 && !account) throw new Error('pgbouncer refuses to run as root and there is no postgres system user');

  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pgbouncer-'));
  const port = await freePort();
  const ini = join(dir, 'pgbouncer.ini');
  const userlist = join(dir, 'userlist.txt');
  const logFile = join(dir, 'pgbouncer.log');
  writeFileSync(
    ini,
    [
      '[databases]',
      `${server.database} = host=${server.host} port=${server.port} dbname=${server.database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${userlist}`,
      'pool_mode = transaction',
      `default_pool_size = ${poolSize}`,
      'max_client_conn = 100',
      // Upstream is plaintext in the main comparison, as for every other target.
      'server_tls_sslmode = disable',
      'ignore_startup_parameters = extra_float_digits',
      `logfile = ${logFile}`,
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n'),
  );
  // A plaintext secret lets pgbouncer answer the client's SCRAM and do its own SCRAM upstream.
  writeFileSync(userlist, `"${server.user}" "${server.password}"\n`, { mode: 0o600 });
  writeFileSync(logFile, '');
  if (account) for (const file of [dir, ini, userlist, logFile]) chownSync(file, account.uid, account.gid);

  const child = spawn(PGBOUNCER, [ini], { stdio: ['ignore', 'ignore', 'pipe'], ...(account ?? {}) });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitForPort(port),
      exited.then(() => {
        throw new Error(`pgbouncer exited: ${stderr.trim() || readFileSync(logFile, 'utf8').trim()}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    version: await pgbouncerVersion(),
    logTail: () => logTail(logFile),
    cpu: () => processCpu(child.pid!),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function pgbouncerVersion(): Promise<string> {
  const output = await runProgram(PGBOUNCER, ['--version'], { env: process.env, timeoutMs: 10_000 }).catch(() => 'unknown');
  return output.split('\n')[0]!.trim();
}
