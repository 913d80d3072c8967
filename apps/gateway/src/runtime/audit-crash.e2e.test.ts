import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openAuditTrail } from '@gatehouse/audit';
import type { StatementEvent } from '@gatehouse/audit';
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The real `gatehouse start` in a child process: it is what gets killed.
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL('../cli-entry.ts', import.meta.url));

const POLICY = `version: 1
rules:
  - id: sessions
    effect: allow
    when: { action: { category: [session, transaction] } }
  - id: app-reads
    effect: allow
    when: { principal: { groups: [app] }, action: { category: [read] } }
`;

/** Client connections sending statements at once, as an application's pool would. */
const LANES = 6;
/** Statements the gateway must have answered before it is killed, so the kill lands under load. */
const KILL_AFTER = 300;
/** Each statement is unique through its alias (aliases survive redaction; the literal does not). */
const MARK = /\bk_(\d+)_(\d+)\b/;

/**
 * Issue #5's crash test: in before-forward mode nothing reaches the database unrecorded, even if
 * the gateway is killed. Several clients run statements through `gatehouse start` (embedded audit
 * store), the process is killed with SIGKILL mid-load, and every statement PostgreSQL's own log
 * (log_statement = all) shows as received must have its record in the trail.
 */
describe('kill -9 under load in before-forward mode', () => {
  let server: PostgresServer;
  let dir: string;
  let configFile: string;
  let dataDir: string;

  const cli = (args: readonly string[]): ChildProcessWithoutNullStreams =>
    spawn(process.execPath, ['--conditions=@gatehouse/source', '--import', 'tsx', CLI_ENTRY, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, GATEHOUSE_TEST_DB_PASSWORD: server.password },
    });

  beforeAll(async () => {
    server = await startPostgres({ tls: false, logStatements: true });
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-crash-'));
    dataDir = join(dir, 'control-plane');
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
    allowPlaintextOnLoopback: true
    upstream:
      host: ${server.host}
      port: ${server.port}
      database: ${server.database}
      user: ${server.user}
      password: \${env:GATEHOUSE_TEST_DB_PASSWORD}
      tls: { mode: disable }
audit:
  store: embedded
  dataDir: ./control-plane
  durability: before-forward
log: { level: warn }
`,
    );
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every statement PostgreSQL logged as received has an audit record', async () => {
    const issue = cli(['token', 'issue', '--config', configFile, '--user', 'alice', '--groups', 'app', '--ttl', '10m']);
    let token = '';
    issue.stdout.on('data', (chunk: Buffer) => (token += chunk.toString()));
    await new Promise((resolve) => issue.on('close', resolve));
    token = token.trim();

    const gateway = cli(['start', '--config', configFile]);
    let stdout = '';
    let stderr = '';
    gateway.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => gateway.on('close', (_code, signal) => resolve(signal)));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the gateway did not start; stderr:\n${stderr}`)), 90_000);
      gateway.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      gateway.on('close', () => reject(new Error(`the gateway exited before listening; stderr:\n${stderr}`)));
    });

    let answered = 0;
    let killed = false;
    const kill = (): void => {
      if (killed) return;
      killed = true;
      gateway.kill('SIGKILL');
    };
    // Bounded: kill after KILL_AFTER answers or 60 s, whichever comes first.
    const deadline = setTimeout(kill, 60_000);
    const lane = async (laneId: number): Promise<void> => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'alice', password: token, database: server.database, ssl: false });
      client.on('error', () => undefined);
      try {
        await client.connect();
        for (let i = 0; !killed; i++) {
          await client.query(`SELECT ${i} AS k_${laneId}_${i}`);
          if (++answered >= KILL_AFTER) kill();
        }
      } catch {
        // The connection died with the gateway: that is the point.
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    const lanes = Promise.all(Array.from({ length: LANES }, (_, laneId) => lane(laneId)));
    lanes.catch(() => undefined);
    expect(await exited).toBe('SIGKILL');
    clearTimeout(deadline);
    await lanes;
    expect(answered).toBeGreaterThanOrEqual(KILL_AFTER);

    // What PostgreSQL received (it logs a statement when it starts executing it). Give statements
    // already in its socket buffers time to be read and logged.
    const received = async (): Promise<Set<string>> => {
      const seen = new Set<string>();
      for (const line of readFileSync(server.logFile, 'utf8').split('\n')) {
        const match = /statement: SELECT \d+ AS (k_\d+_\d+)/.exec(line);
        if (match) seen.add(match[1]!);
      }
      return seen;
    };
    let executed = await received();
    await expect.poll(async () => (executed = await received()).size, { timeout: 10_000, interval: 500 }).toBeGreaterThanOrEqual(answered);

    // What the trail holds, opened afresh from the killed gateway's data directory (PGlite runs
    // its crash recovery here).
    const trail = await openAuditTrail({ store: { kind: 'embedded', dataDir } });
    try {
      const recorded = new Set<string>();
      const texts: string[] = [];
      for (let cursor: number | undefined; ; ) {
        const page = await trail.search({ type: 'statement', order: 'asc', limit: 1_000, ...(cursor !== undefined ? { cursor } : {}) });
        for (const event of page.events) {
          const text = (event as StatementEvent).redactedText;
          const match = MARK.exec(text);
          if (match) {
            recorded.add(match[0]);
            texts.push(text);
          }
        }
        if (page.next === undefined) break;
        cursor = page.next;
      }
      const unrecorded = [...executed].filter((statement) => !recorded.has(statement));
      expect(unrecorded).toEqual([]);
      expect(executed.size).toBeGreaterThanOrEqual(KILL_AFTER);
      // The records are redacted: the alias (an identifier) stays, the literal does not.
      expect(texts.every((text) => /^SELECT \? AS k_\d+_\d+$/.test(text))).toBe(true);
      expect((await trail.verify()).ok).toBe(true);
    } finally {
      await trail.close();
    }
  }, 180_000);
});
