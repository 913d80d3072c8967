import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real command in a child process (SIGHUP is sent to it, never to the test runner).
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL('../cli-entry.ts', import.meta.url));

const READS_ALLOWED = `version: 1
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

const READS_DENIED = `version: 1
rules:
  - id: sessions
    effect: allow
    when: { action: { category: [session, transaction] } }
  - id: reads-frozen
    effect: deny
    when: { action: { category: [read] } }
`;

/** Line 7 is the broken one: an unknown effect. */
const BROKEN = `version: 1
rules:
  - id: sessions
    effect: allow
    when: { action: { category: [session, transaction] } }
  - id: typo
    effect: alow
    when: { action: { category: [read] } }
`;

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  stderr(): string;
  readonly exited: Promise<number | null>;
}

describe('policy reload on SIGHUP (gatehouse start, real PostgreSQL)', () => {
  let server: PostgresServer;
  let dir: string;
  let policyFile: string;
  let gateway: Running;
  let port: number;
  let token: string;

  const cli = (args: readonly string[]): ChildProcessWithoutNullStreams =>
    spawn(process.execPath, ['--conditions=@gatehouse/source', '--import', 'tsx', CLI_ENTRY, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, GATEHOUSE_TEST_DB_PASSWORD: server.password },
    });

  /** The gateway's JSON log lines with this message. */
  const logged = (msg: string): Record<string, unknown>[] =>
    gateway
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry['msg'] === msg);

  const reloadEvents = async (): Promise<Record<string, unknown>[]> => {
    const db = new pg.Client({ connectionString: server.connectionString({ sslmode: 'disable' }) });
    await db.connect();
    try {
      const { rows } = await db.query<{ body: string }>(`SELECT body FROM gatehouse_audit.events WHERE type = 'reload' ORDER BY seq`);
      return rows.map((row) => JSON.parse(row.body) as Record<string, unknown>);
    } finally {
      await db.end();
    }
  };

  const select = async (): Promise<unknown> => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'alice', password: token, database: server.database, ssl: false });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query('SELECT 1 AS one')).rows;
    } catch (error) {
      return { code: (error as { code?: string }).code };
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  beforeAll(async () => {
    server = await startPostgres({ tls: false });
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-reload-'));
    policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, READS_ALLOWED);
    const configFile = join(dir, 'gatehouse.yaml');
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
    allowPlaintextOnLoopback: true
    upstream:
      host: ${server.host}
      port: ${server.port}
      database: ${server.database}
      user: ${server.user}
      password: \${env:GATEHOUSE_TEST_DB_PASSWORD}
      tls: { mode: disable }
audit:
  store: postgres
  connectionString: ${server.connectionString({ sslmode: 'disable' })}
log: { level: info }
`,
    );
    const issue = cli(['token', 'issue', '--config', configFile, '--user', 'alice', '--groups', 'app', '--ttl', '10m']);
    let issued = '';
    issue.stdout.on('data', (chunk: Buffer) => (issued += chunk.toString()));
    await new Promise((resolve) => issue.on('close', resolve));
    token = issued.trim();

    const child = cli(['start', '--config', configFile]);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not start; stderr:\n${stderr}`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });
    gateway = { child, stderr: () => stderr, exited };
  }, 120_000);

  afterAll(async () => {
    if (gateway) {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    }
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('applies a good policy file: the next statement is decided by it, and the reload is audited', async () => {
    expect(await select()).toEqual([{ one: 1 }]);
    writeFileSync(policyFile, READS_DENIED);
    gateway.child.kill('SIGHUP');
    await expect.poll(() => logged('policy reloaded').length, { timeout: 20_000 }).toBe(1);
    expect(await select()).toEqual({ code: '42501' });
    await expect.poll(async () => (await reloadEvents()).length, { timeout: 10_000 }).toBe(1);
    const [applied] = await reloadEvents();
    expect(applied).toMatchObject({ type: 'reload', what: 'policy', outcome: 'applied', source: policyFile, actor: 'SIGHUP' });
    expect(applied!['digest']).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  it('keeps the previous policy when the file does not load, logs where (file:line:col) and audits the failure', async () => {
    writeFileSync(policyFile, BROKEN);
    gateway.child.kill('SIGHUP');
    await expect.poll(() => logged('policy reload rejected: the previous policy stays in force').length, { timeout: 20_000 }).toBe(1);
    const [rejected] = logged('policy reload rejected: the previous policy stays in force');
    expect((rejected!['problems'] as string[]).join('\n')).toMatch(new RegExp(`^${policyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+: .*alow`, 'm'));
    // Still the last good policy (reads denied), not an empty one and not the broken one.
    expect(await select()).toEqual({ code: '42501' });
    await expect.poll(async () => (await reloadEvents()).length, { timeout: 10_000 }).toBe(2);
    expect((await reloadEvents())[1]).toMatchObject({ type: 'reload', what: 'policy', outcome: 'rejected', source: policyFile, problems: 1 });
    // The gateway is still running and serving.
    expect(gateway.child.exitCode).toBeNull();

    writeFileSync(policyFile, READS_ALLOWED);
    gateway.child.kill('SIGHUP');
    await expect.poll(() => logged('policy reloaded').length, { timeout: 20_000 }).toBe(2);
    expect(await select()).toEqual([{ one: 1 }]);
  }, 60_000);
});
