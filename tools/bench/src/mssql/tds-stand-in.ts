import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GatehouseError } from '@gatehouse/core';
import { createTestCertificates, freePort, startMssql } from '@gatehouse/testkit';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = join(ROOT, 'tools', 'tds-test-server', 'src', 'cli.ts');
const USER = 'sa';
const PASSWORD = 'Gatehouse-Bench-1!';

/** The server the SQL Server bench measures against. */
export interface BenchMssqlServer {
  readonly kind: 'tds-test-server' | 'external';
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** PEM of the CA that signed the stand-in's certificate (the gateway verifies it); undefined for MSSQL_URL. */
  readonly ca: string | undefined;
  /** The stand-in's process id (for its CPU time); undefined for MSSQL_URL. */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export class StandInError extends GatehouseError {
  constructor(message: string) {
    super('bench.mssql-stand-in', message);
  }
}

/**
 * The TDS test server (a SQL Server STAND-IN over SQLite) in its own process, offering TLS without
 * requiring it (PRELOGIN ENCRYPT_OFF): clients that send ENCRYPT_NOT_SUP get a plaintext session,
 * clients that send ENCRYPT_ON a TLS one, so one server serves both tables. Unlike testkit's
 * startMssql it does not print an event per request (the bench would pay for parsing them); with
 * MSSQL_URL the real server is used instead.
 */
export async function startBenchMssqlServer(): Promise<BenchMssqlServer> {
  if (process.env['MSSQL_URL']) {
    const external = await startMssql();
    return { kind: 'external', host: external.host, port: external.port, user: external.user, password: external.password, database: external.database, ca: undefined, pid: undefined, stop: () => external.stop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-mssql-'));
  const certificates = await createTestCertificates(dir);
  const port = await freePort();
  const args = ['--conditions=@gatehouse/source', '--import', 'tsx', CLI, '--port', String(port), '--user', `${USER}:${PASSWORD}`];
  args.push('--tls-key', certificates.serverKey, '--tls-cert', certificates.serverCert, '--encryption', 'off');
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const lines: string[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new StandInError(`the TDS test server did not start within 20 s: ${lines.slice(-5).join(' | ')}`));
    }, 20_000);
    const onLine = (line: string): void => {
      lines.push(line);
      if (!line.startsWith('TDS_TEST_SERVER=')) return;
      clearTimeout(timer);
      resolve();
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new StandInError(`the TDS test server exited with code ${code}: ${lines.slice(-5).join(' | ')}`));
    });
  });
  return {
    kind: 'tds-test-server',
    host: '127.0.0.1',
    port,
    user: USER,
    password: PASSWORD,
    database: 'master',
    ca: readFileSync(certificates.caCert, 'utf8'),
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
