import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatehouseError } from '@gatehouse/core';
import { ensureDebianPackages, isExecutable } from '../system/debian-packages.js';
import { freePort } from '../system/free-port.js';
import { runCommand } from '../system/run-command.js';
import { systemUser } from '../system/system-user.js';
import { createTestCertificates } from '../tls/test-certificates.js';

export interface MariadbServerOptions {
  /** TLS on with a throwaway CA (default true). */
  readonly tls?: boolean;
  /** Seconds to wait for the server to accept connections (default 60). */
  readonly startTimeoutSeconds?: number;
}

/** A running throwaway MariaDB on 127.0.0.1. */
export interface MariadbServer {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** The application user (what the gateway logs in as), authenticated with mysql_native_password. */
  readonly user: string;
  readonly password: string;
  /** root, reachable only over `socketPath` (no password). */
  readonly rootUser: string;
  readonly socketPath: string;
  /** The CA that signed the server certificate (when TLS is on). */
  readonly caCertFile?: string;
  readonly logFile: string;
  readonly version: string;
  /** Runs SQL as root over the socket with the `mariadb` client; returns its tab-separated output. */
  sql(statement: string): Promise<string>;
  stop(): Promise<void>;
}

export class MariadbNotFoundError extends GatehouseError {
  constructor() {
    super('testkit.mariadb-missing', 'MariaDB binaries (mariadbd, mariadb-install-db) not found; install Debian packages mariadb-server mariadb-client');
  }
}

const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';
const CLIENT = '/usr/bin/mariadb';

function installed(): boolean {
  return isExecutable(MARIADBD) && isExecutable(INSTALL_DB) && isExecutable(CLIENT);
}

/**
 * Starts a throwaway MariaDB (Debian's `mariadb-server`, installed with apt when missing and
 * running as root): `mariadb-install-db` into a temp dir, `mariadbd` on a free port on 127.0.0.1,
 * TLS with a test CA, an application user `gatehouse_svc` (mysql_native_password) owning database
 * `app`. As root, the server runs as the `mysql` system user. Durability is traded for speed.
 */
export async function startMariadb(options: MariadbServerOptions = {}): Promise<MariadbServer> {
  await ensureDebianPackages(['mariadb-server', 'mariadb-client'], installed);
  if (!installed()) throw new MariadbNotFoundError();
  const runAs = process.getuid?.() === 0 ? systemUser('mysql') : undefined;
  const root = mkdtempSync(join(tmpdir(), 'gatehouse-mariadb-'));
  const dataDir = join(root, 'data');
  const socketPath = join(root, 'mysqld.sock');
  const logFile = join(root, 'server.log');
  const port = await freePort();
  const tls = options.tls ?? true;
  const user = 'gatehouse_svc';
  const password = randomBytes(12).toString('hex');
  const database = 'app';
  mkdirSync(dataDir);
  writeFileSync(logFile, '');
  const certificates = tls ? await createTestCertificates(root) : undefined;
  if (runAs) {
    for (const path of [root, dataDir, logFile, ...(certificates ? Object.values(certificates) : [])]) chownSync(path, runAs.uid, runAs.gid);
  }
  if (certificates) chmodSync(certificates.serverKey, 0o600);
  const userArgs = runAs ? ['--user=mysql'] : [];

  await runCommand(INSTALL_DB, [
    '--no-defaults',
    `--datadir=${dataDir}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
    ...userArgs,
  ], { timeoutMs: 120_000 });

  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${socketPath}`,
    `--pid-file=${join(root, 'mysqld.pid')}`,
    `--log-error=${logFile}`,
    '--skip-name-resolve',
    '--skip-log-bin',
    '--innodb-flush-log-at-trx-commit=0',
    '--innodb-doublewrite=0',
    '--innodb-buffer-pool-size=128M',
    '--innodb-log-file-size=48M',
    '--max-connections=300',
    '--local-infile=1',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    ...(certificates ? [`--ssl-ca=${certificates.caCert}`, `--ssl-cert=${certificates.serverCert}`, `--ssl-key=${certificates.serverKey}`] : []),
    ...userArgs,
  ];
  const child: ChildProcess = spawn(MARIADBD, args, { stdio: 'ignore' });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));

  const sql = (statement: string) => runCommand(CLIENT, ['--no-defaults', '-S', socketPath, '-u', 'root', '-N', '-B', '-e', statement]);
  const deadline = Date.now() + (options.startTimeoutSeconds ?? 60) * 1000;
  for (;;) {
    if (exited) throw new GatehouseError('testkit.mariadb-start', `mariadbd exited during start: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    try {
      await sql('SELECT 1');
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new GatehouseError('testkit.mariadb-start', `mariadbd did not accept connections in time: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await sql(
    [
      `CREATE DATABASE ${database} CHARACTER SET utf8mb4`,
      `CREATE USER '${user}'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('${password}')`,
      `GRANT ALL PRIVILEGES ON ${database}.* TO '${user}'@'%'`,
      `GRANT PROCESS, RELOAD ON *.* TO '${user}'@'%'`,
    ].join('; '),
  );
  const version = (await sql('SELECT VERSION()')).trim();

  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    database,
    user,
    password,
    rootUser: 'root',
    socketPath,
    ...(certificates ? { caCertFile: certificates.caCert } : {}),
    logFile,
    version,
    sql,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
