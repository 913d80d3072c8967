import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFORMANCE_IDENTITIES, CONFORMANCE_PEOPLE, CONFORMANCE_POLICY_YAML, startPostgres } from '@gatehouse/testkit';
import type { ConformanceIdentity, PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDirect, startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';

// The real `psql` (libpq) through the gateway: libpq's startup parameters, its TLS verification,
// simple-query multi-statement strings and both directions of COPY, as people actually use them.

const { analyst, app } = CONFORMANCE_IDENTITIES;

interface PsqlRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe('psql through the gateway', () => {
  let server: PostgresServer;
  let gateway: TestGateway;
  let scratch: string;
  let rootCert: string;

  /** Runs psql once as `identity` with `-c` per command (one session); `stdin` is piped in. */
  async function psql(identity: ConformanceIdentity, commands: readonly string[], options: { stdin?: string; token?: string } = {}): Promise<PsqlRun> {
    const token = options.token ?? (await gateway.token(identity.user, [...identity.groups], { kind: identity.kind }));
    const conninfo = `host=localhost port=${gateway.port} dbname=app user=${identity.user} sslmode=verify-full sslrootcert=${rootCert}`;
    const args = [conninfo, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=0', ...commands.flatMap((command) => ['-c', command])];
    const child = spawn('psql', args, {
      // A UTF-8 locale makes libpq ask for client_encoding UTF8, as on a developer's machine.
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PGPASSWORD: token, LANG: 'C.UTF-8', PGCONNECT_TIMEOUT: '10' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.end(options.stdin ?? '');
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`psql did not finish within 15 s; stdout: ${stdout}; stderr: ${stderr}`));
      }, 15_000);
      child.on('error', reject);
      child.on('close', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    server = await startPostgres();
    const owner = await connectDirect(server);
    await owner.query('CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL, ssn text NOT NULL)');
    for (const p of CONFORMANCE_PEOPLE) await owner.query('INSERT INTO people VALUES ($1, $2, $3, $4)', [p.id, p.name, p.email, p.ssn]);
    await owner.end();
    gateway = await startTestGateway(server, CONFORMANCE_POLICY_YAML);
    scratch = mkdtempSync(join(tmpdir(), 'gatehouse-psql-'));
    rootCert = join(scratch, 'gateway.crt');
    writeFileSync(rootCert, gateway.cert);
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('runs a simple query over verify-full TLS as the gateway service role', async () => {
    const run = await psql(app, ["SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"]);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('gatehouse_svc|t');
    expect(run.code).toBe(0);
  });

  it('refuses a bad token with a FATAL that psql shows', async () => {
    const run = await psql(app, ['SELECT 1'], { token: 'not-a-token' });
    expect(run.stderr).toMatch(/FATAL: {2}gatehouse: /);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(2);
  });

  it('runs a multi-statement string and shows every result', async () => {
    const run = await psql(app, ['SELECT 1 AS a; SELECT name FROM people WHERE id = 2; SELECT 3 AS c']);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual(['1', CONFORMANCE_PEOPLE[1]!.name, '3']);
  });

  it('shows a denied DROP as psql shows server errors, and the session carries on', async () => {
    const run = await psql(app, ['DROP TABLE people', 'SELECT count(*) FROM people']);
    expect(run.stderr).toContain('ERROR:  gatehouse: statement refused');
    expect(run.stderr).toContain('conformance-no-drop');
    expect(run.stderr).toContain('HINT:');
    expect(run.stdout.trim()).toBe(String(CONFORMANCE_PEOPLE.length));
  });

  it('loads rows with \\copy … FROM STDIN from piped input', async () => {
    const rows = ['101\tCy Dee\tcy.dee@example.net\t111-22-3333', '102\tDi Eck\tdi.eck@example.net\t222-33-4444'];
    const load = await psql(app, ['\\copy people FROM STDIN'], { stdin: `${rows.join('\n')}\n` });
    expect(load.stderr).toBe('');
    expect(load.stdout.trim()).toBe('COPY 2');
    const check = await psql(app, ['SELECT id, email FROM people WHERE id > 100 ORDER BY id']);
    expect(check.stdout.trim().split('\n')).toEqual(['101|cy.dee@example.net', '102|di.eck@example.net']);
  });

  it('loads rows with a server-side COPY … FROM STDIN (psql streams its stdin)', async () => {
    const load = await psql(app, ['COPY people (id, name, email, ssn) FROM STDIN WITH (FORMAT csv)'], {
      stdin: '201,Ed Fox,ed.fox@example.net,333-44-5555\n',
    });
    expect(load.stderr).toBe('');
    const check = await psql(app, ['SELECT name FROM people WHERE id = 201']);
    expect(check.stdout.trim()).toBe('Ed Fox');
  });

  it('exports with COPY … TO STDOUT and \\copy (SELECT …) TO STDOUT for the app identity, unmasked', async () => {
    const table = await psql(app, ['COPY (SELECT * FROM people WHERE id <= 2 ORDER BY id) TO STDOUT']);
    expect(table.stderr).toBe('');
    expect(table.stdout).toBe(CONFORMANCE_PEOPLE.map((p) => `${p.id}\t${p.name}\t${p.email}\t${p.ssn}\n`).join(''));
    const query = await psql(app, ['\\copy (SELECT id, email FROM people WHERE id <= 2 ORDER BY id) TO STDOUT WITH (FORMAT csv)']);
    expect(query.stderr).toBe('');
    expect(query.stdout).toBe(CONFORMANCE_PEOPLE.map((p) => `${p.id},${p.email}\n`).join(''));
  });

  it('masks COPY … TO STDOUT output for the analyst, column by column', async () => {
    const run = await psql(analyst, ['COPY people TO STDOUT', '\\copy (SELECT id, name, email FROM people WHERE id <= 2 ORDER BY id) TO STDOUT WITH (FORMAT csv)']);
    expect(run.stderr).toBe('');
    const [tableLines, queryLines] = [run.stdout.split('\n').filter((line) => line.includes('\t')), run.stdout.split('\n').filter((line) => line.includes(','))];
    // Every row comes through (originals plus the ones loaded above), with ids and names intact.
    expect(tableLines.length).toBeGreaterThanOrEqual(CONFORMANCE_PEOPLE.length);
    for (const p of CONFORMANCE_PEOPLE) {
      const line = tableLines.find((candidate) => candidate.startsWith(`${p.id}\t`));
      expect(line, `row ${p.id} in COPY people TO STDOUT`).toBeDefined();
      const [, name, email, ssn] = line!.split('\t');
      expect(name).toBe(p.name);
      expect(email).not.toBe(p.email);
      expect(email).not.toContain(p.email.split('@')[0]!);
      expect(ssn).not.toContain(p.ssn.slice(-4));
    }
    expect(queryLines).toHaveLength(CONFORMANCE_PEOPLE.length);
    queryLines.forEach((line, index) => {
      const p = CONFORMANCE_PEOPLE[index]!;
      const [id, name, email] = line.split(',');
      expect([id, name]).toEqual([String(p.id), p.name]);
      expect(email).not.toContain(p.email.split('@')[0]!);
    });
    expect(run.stdout).not.toMatch(/\d{3}-\d{2}-\d{4}/);
  });
});
