import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatehouseError } from '@gatehouse/core';
import { ensureDebianPackages } from '../system/debian-packages.js';
import { freePort } from '../system/free-port.js';
import { runCommand } from '../system/run-command.js';
import { systemUser } from '../system/system-user.js';
import type { SystemUser } from '../system/system-user.js';
import { createTestCertificates } from '../tls/test-certificates.js';

export interface PostgresServerOptions {
  /** SSL on with a throwaway CA (default true). */
  readonly tls?: boolean;
  /** How the application role authenticates over TCP (default scram-sha-256). */
  readonly authMethod?: 'scram-sha-256' | 'md5' | 'password';
  /** log_statement = all, for tests that compare what ran with the audit trail. */
  readonly logStatements?: boolean;
}

/** A running throwaway PostgreSQL on 127.0.0.1. */
export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** The application role (what the gateway logs in as). */
  readonly user: string;
  readonly password: string;
  readonly superuser: string;
  readonly superPassword: string;
  /** The CA that signed the server certificate (when TLS is on). */
  readonly caCertFile?: string;
  readonly logFile: string;
  readonly version: string;
  connectionString(options?: { superuser?: boolean; sslmode?: 'disable' | 'require' | 'verify-full' }): string;
  stop(): Promise<void>;
}

export class PostgresNotFoundError extends GatehouseError {
  constructor() {
    super('testkit.postgres-missing', 'PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; install Debian package postgresql');
  }
}

/** The newest installed PostgreSQL's bin directory, if any. */
export function postgresBinDir(): string | undefined {
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const dir = `/usr/lib/postgresql/${version}/bin`;
      if (readdirSync(dir).includes('initdb')) return dir;
    }
  } catch {
    // not installed
  }
  return undefined;
}

/**
 * Starts a throwaway PostgreSQL (Debian's `postgresql` package, installed with apt when missing and
 * running as root): initdb in a temp dir, a free port on 127.0.0.1, SCRAM passwords, TLS on, an
 * application role `gatehouse_svc` owning database `app`. As root, the server runs as `postgres`.
 */
export async function startPostgres(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  await ensureDebianPackages(['postgresql', 'postgresql-contrib'], () => postgresBinDir() !== undefined);
  const bin = postgresBinDir();
  if (!bin) throw new PostgresNotFoundError();
  const runAs: SystemUser | undefined = process.getuid?.() === 0 ? systemUser('postgres') : undefined;
  const as = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};

  const root = mkdtempSync(join(tmpdir(), 'gatehouse-pg-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  const superuser = 'postgres';
  const superPassword = randomBytes(12).toString('hex');
  const user = 'gatehouse_svc';
  const password = randomBytes(12).toString('hex');
  const database = 'app';
  const port = await freePort();
  const tls = options.tls ?? true;
  const authMethod = options.authMethod ?? 'scram-sha-256';

  const passwordFile = join(root, 'superpass');
  writeFileSync(passwordFile, `${superPassword}\n`);
  writeFileSync(logFile, '');
  const certificates = tls ? await createTestCertificates(root) : undefined;
  if (runAs) {
    for (const file of [root, passwordFile, logFile, ...(certificates ? Object.values(certificates) : [])]) {
      chownSync(file, runAs.uid, runAs.gid);
    }
  }
  if (certificates) chmodSync(certificates.serverKey, 0o600);

  await runCommand(
    `${bin}/initdb`,
    ['-D', dataDir, '-U', superuser, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-locale', '--no-sync'],
    as,
  );
  const settings = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${root}'`,
    "password_encryption = 'scram-sha-256'",
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 100',
    ...(options.logStatements ? ["log_statement = 'all'", `log_destination = 'stderr'`] : []),
    ...(certificates ? ['ssl = on', `ssl_cert_file = '${certificates.serverCert}'`, `ssl_key_file = '${certificates.serverKey}'`] : []),
  ];
  appendFileSync(join(dataDir, 'postgresql.conf'), `\n# gatehouse testkit\n${settings.join('\n')}\n`);
  writeFileSync(
    join(dataDir, 'pg_hba.conf'),
    [
      'local all all scram-sha-256',
      `host all ${superuser} 127.0.0.1/32 scram-sha-256`,
      `host all all 127.0.0.1/32 ${authMethod}`,
      `host all all ::1/128 ${authMethod}`,
    ].join('\n') + '\n',
  );
  await runCommand(`${bin}/pg_ctl`, ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start'], as);

  const env = { ...process.env, PGPASSWORD: superPassword };
  const psql = (sql: string) =>
    runCommand('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', superuser, '-d', 'postgres', '-tAc', sql], { env });
  const encryption = authMethod === 'md5' ? "SET password_encryption = 'md5'; " : '';
  await psql(`${encryption}CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
  await psql(`CREATE DATABASE ${database} OWNER ${user}`);
  const version = (await psql('SHOW server_version')).trim();

  let stopped = false;
  return {
    host: '127.0.0.1',
    port,
    database,
    user,
    password,
    superuser,
    superPassword,
    ...(certificates ? { caCertFile: certificates.caCert } : {}),
    logFile,
    version,
    connectionString({ superuser: asSuper = false, sslmode = tls ? 'require' : 'disable' } = {}) {
      const [name, secret] = asSuper ? [superuser, superPassword] : [user, password];
      return `postgresql://${name}:${secret}@127.0.0.1:${port}/${database}?sslmode=${sslmode}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await runCommand(`${bin}/pg_ctl`, ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], as).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
