import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { GatehouseError } from '@gatehouse/core';
import { freePort } from '../system/free-port.js';
import { createTestCertificates } from '../tls/test-certificates.js';

/** The test server prints this line once it listens. */
const READY_PREFIX = 'TDS_TEST_SERVER=';
/** …and this before each event (what it saw: logins, batch texts, RPC procedures, attentions). */
const EVENT_PREFIX = 'TDS_EVENT=';
/** Events kept per stand-in (oldest dropped first). */
const MAX_EVENTS = 10_000;
const DEFAULT_USER = 'sa';
const DEFAULT_PASSWORD = 'Gatehouse-Test-1!';

export interface MssqlServerOptions {
  /**
   * TLS on the stand-in: `false` (default) answers ENCRYPT_NOT_SUP; `'off'` offers login-only
   * encryption; `'on'`/`'required'` encrypt everything. TDS 8 strict works whenever TLS is on.
   */
  readonly tls?: false | 'off' | 'on' | 'required';
  /** Extra SQL logins for the stand-in (name → password); the default `sa` login always exists. */
  readonly users?: Readonly<Record<string, string>>;
  /** Stand-in only: answer every login with ENVCHANGE routing to this server (as Azure SQL's gateway does). */
  readonly route?: { readonly host: string; readonly port: number };
  /** Startup timeout, default 20 s. */
  readonly timeoutMs?: number;
}

/** A SQL Server for tests: the TDS test server (a stand-in over SQLite), or the real one in MSSQL_URL. */
export interface MssqlServer {
  readonly host: string;
  readonly port: number;
  /** A SQL login with full rights (the gateway's upstream credentials in tests). */
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Whether the server offers TLS (tedious `encrypt: true`; for MSSQL_URL, `encrypt=true` in the URL). */
  readonly tls: boolean;
  /** PEM of the CA that signed the stand-in's certificate (verify-full in tests); undefined for MSSQL_URL. */
  readonly ca: string | undefined;
  readonly kind: 'tds-test-server' | 'external';
  /**
   * Stand-in only: what the server saw, in order (logins, batch texts as received, RPC procedures
   * and statements, attentions); always empty for MSSQL_URL, so assertions on it must be skipped there.
   */
  readonly events: readonly MssqlServerEvent[];
  stop(): Promise<void>;
}

/** One thing the stand-in saw (no passwords). */
export interface MssqlServerEvent {
  readonly spid: number;
  readonly event: string;
  readonly [key: string]: unknown;
}

export class MssqlServerError extends GatehouseError {
  constructor(message: string) {
    super('testkit.mssql-server', message);
  }
}

/** `mssql://user:password@host:port/database?encrypt=true` → an external server. */
function fromUrl(url: string): MssqlServer {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 1433),
    user: decodeURIComponent(parsed.username || DEFAULT_USER),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'master',
    tls: ['true', '1', 'strict'].includes(parsed.searchParams.get('encrypt') ?? ''),
    ca: undefined,
    kind: 'external',
    events: [],
    stop: async () => undefined,
  };
}

/** The test server's CLI inside this monorepo (tools/tds-test-server), run from source with tsx. */
function testServerCli(): { cli: string; root: string } {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const cli = join(root, 'tools', 'tds-test-server', 'src', 'cli.ts');
  if (!existsSync(cli)) throw new MssqlServerError(`the TDS test server is not at ${cli}; run the tests from the Gatehouse monorepo or set MSSQL_URL`);
  return { cli, root };
}

/**
 * Starts the TDS test server — a SQL Server STAND-IN (TDS 7.4/8 over SQLite; SQL Server cannot be
 * installed on these machines) — in a child process on a free port, or returns the real server given
 * by `MSSQL_URL`, so the same suites run unchanged against SQL Server.
 */
export async function startMssql(options: MssqlServerOptions = {}): Promise<MssqlServer> {
  const external = process.env['MSSQL_URL'];
  if (external) return fromUrl(external);
  const { cli, root } = testServerCli();
  const port = await freePort();
  const users = { ...options.users, [DEFAULT_USER]: DEFAULT_PASSWORD };
  const args = ['--conditions=@gatehouse/source', '--import', 'tsx', cli, '--port', String(port), '--events', 'on'];
  for (const [name, password] of Object.entries(users)) args.push('--user', `${name}:${password}`);
  if (options.route) args.push('--route', `${options.route.host}:${options.route.port}`);
  let ca: string | undefined;
  if (options.tls) {
    const certificates = await createTestCertificates(mkdtempSync(join(tmpdir(), 'gatehouse-mssql-')));
    ca = readFileSync(certificates.caCert, 'utf8');
    args.push('--tls-key', certificates.serverKey, '--tls-cert', certificates.serverCert, '--encryption', options.tls);
  }
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: MssqlServerEvent[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith(EVENT_PREFIX)) return;
    events.push(JSON.parse(line.slice(EVENT_PREFIX.length)) as MssqlServerEvent);
    if (events.length > MAX_EVENTS) events.shift();
  });
  await waitUntilReady(child, options.timeoutMs ?? 20_000);
  return {
    host: '127.0.0.1',
    port,
    user: DEFAULT_USER,
    password: DEFAULT_PASSWORD,
    database: 'master',
    tls: Boolean(options.tls),
    ca,
    kind: 'tds-test-server',
    events,
    stop: () => stopProcess(child),
  };
}

function waitUntilReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const log: string[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new MssqlServerError(`the TDS test server did not start within ${timeoutMs} ms: ${log.slice(-5).join(' | ')}`));
    }, timeoutMs);
    const onLine = (line: string): void => {
      // Only the last lines matter (for a startup failure); events keep coming after startup.
      log.push(line);
      if (log.length > 20) log.shift();
      if (line.startsWith(READY_PREFIX)) {
        clearTimeout(timer);
        resolve();
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new MssqlServerError(`the TDS test server exited with code ${code}: ${log.slice(-5).join(' | ')}`));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
