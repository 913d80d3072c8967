import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real command, as a child process, straight from the TypeScript sources (no build needed).
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL('../cli-entry.ts', import.meta.url));

function gatehouse(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--conditions=@gatehouse/source', '--import', 'tsx', CLI_ENTRY, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  });
}

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function collect(child: ChildProcessWithoutNullStreams): { output: () => Finished; exited: Promise<Finished> } {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const output = () => ({ code: child.exitCode, stdout, stderr });
  const exited = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { output, exited };
}

async function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return collect(gatehouse(args, env)).exited;
}

/** Resolves with the first stdout match, or fails with what the process printed. */
function waitForLine(child: ChildProcessWithoutNullStreams, pattern: RegExp, output: () => Finished, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stderr:\n${output().stderr}`)), timeoutMs);
    const check = () => {
      const match = pattern.exec(output().stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout.on('data', check);
    child.on('close', () => reject(new Error(`exited (${String(child.exitCode)}) before ${pattern}; stderr:\n${output().stderr}`)));
  });
}

function refused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

const POLICY = `version: 1
rules:
  - id: sessions
    effect: allow
    when: { action: { category: [session, transaction] } }
  - id: app-reads
    effect: allow
    when:
      principal: { groups: [app] }
      action: { category: [read] }
`;

describe('gatehouse start (child process, real PostgreSQL)', () => {
  let server: PostgresServer;
  let dir: string;
  let configFile: string;
  const env = (): NodeJS.ProcessEnv => ({ GATEHOUSE_TEST_DB_PASSWORD: server.password });

  beforeAll(async () => {
    server = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-start-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    configFile = join(dir, 'gatehouse.yaml');
    writeFileSync(
      configFile,
      `policy: ./policy.yaml
identity:
  signingKey: ./state/gateway.pem
connections:
  - name: app
    dialect: postgres
    environment: test
    listen: 127.0.0.1:0
    upstream:
      host: ${server.host}
      port: ${server.port}
      database: ${server.database}
      user: ${server.user}
      password: \${env:GATEHOUSE_TEST_DB_PASSWORD}
      tls: { mode: verify-full, ca: ${server.caCertFile ?? ''}, serverName: localhost }
shutdown: { drainTimeout: 10s }
log: { level: info }
`,
    );
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a bad configuration with located problems, exit 2, nothing started', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'policy: ./policy.yaml\nidentity: { signingKey: ./state/gateway.pem }\nconnections:\n  - name: app\n    dialect: postgress\n');
    const result = await run(['start', '--config', bad]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${bad}:5:14: unknown dialect "postgress"`);
    expect(result.stderr).toContain('nothing was started');
  });

  it('issues a token, serves queries, and drains on SIGTERM: the query in flight completes, new connections are refused, exit 0', async () => {
    const issued = await run(['token', 'issue', '--config', configFile, '--user', 'alice', '--groups', 'app', '--ttl', '10m', '--attr', 'team=payments']);
    expect(issued.stderr).toContain('created the gateway signing key');
    expect(issued.code).toBe(0);
    const token = issued.stdout.trim();
    expect(token.split('.')).toHaveLength(3);

    const child = gatehouse(['start', '--config', configFile], env());
    const { output, exited } = collect(child);
    const [, port] = await waitForLine(child, /app \(postgres, test\) listening on 127\.0\.0\.1:(\d+)/, output);
    const client = new pg.Client({ host: '127.0.0.1', port: Number(port), user: 'alice', password: token, database: server.database, ssl: { rejectUnauthorized: false } });
    client.on('error', () => undefined); // the gateway closes the session after the drain
    await client.connect();
    expect((await client.query('SELECT current_user AS who')).rows).toEqual([{ who: server.user }]);

    const inFlight = client.query('SELECT pg_sleep(1.5), 42 AS answer');
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await refused(Number(port))).toBe('ECONNREFUSED');
    expect((await inFlight).rows[0]).toMatchObject({ answer: 42 });

    const finished = await exited;
    expect(finished.code).toBe(0);
    const logs = finished.stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string });
    expect(logs.map((entry) => entry.msg)).toEqual(expect.arrayContaining(['listening', 'draining', 'stopped']));
    // Logs never carry the token or the database password.
    expect(finished.stderr).not.toContain(token);
    expect(finished.stderr).not.toContain(server.password);
  }, 60_000);
});
