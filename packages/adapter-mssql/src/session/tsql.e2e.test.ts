import { spawn } from 'node:child_process';
import { ensureDebianPackages, isExecutable, startMssql } from '@gatehouse/testkit';
import type { MssqlServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { closeTedious, connectTedious, sql } from '../testing/tedious.js';

const TSQL = '/usr/bin/tsql';
const POLICY = `
version: 1
rules:
  - id: no-drop
    effect: deny
    when: { action: { operation: [DROP TABLE] } }
    message: Dropping tables is blocked
  - id: analysts-read
    effect: allow
    when:
      principal: { groups: [analysts] }
      action: { category: [read] }
    mask:
      columns:
        "**.contacts.email": redact
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

/** Runs tsql (Debian freetds-bin) through the gateway with a script on stdin; resolves with its output. */
function tsql(port: number, user: string, token: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // FreeTDS offers ENCRYPT_OFF by default; the gateway answers ENCRYPT_REQ, so the session is fully encrypted.
    const child = spawn(TSQL, ['-H', '127.0.0.1', '-p', String(port), '-U', user, '-P', token], { env: { ...process.env, TDSVER: '7.4' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tsql timed out: ${out}`));
    }, 30_000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end(script);
  });
}

// FreeTDS cuts LOGIN7 passwords at 128 characters, so tsql presents agent tokens (67 characters);
// gateway-issued JWTs are longer.
describe('tsql (FreeTDS) through the SQL Server adapter', () => {
  let server: MssqlServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    await ensureDebianPackages(['freetds-bin'], () => isExecutable(TSQL));
    server = await startMssql();
    gateway = await startTestGateway(server, POLICY, process.env['GATEHOUSE_TEST_LOG'] ? { logLevel: process.env['GATEHOUSE_TEST_LOG'] } : {});
    const owner = await connectTedious(gateway.port, { user: 'owner', password: await gateway.token('owner', ['app']), ca: gateway.cert });
    await sql(owner, "IF OBJECT_ID(N'contacts', N'U') IS NOT NULL DROP TABLE contacts");
    await sql(owner, 'CREATE TABLE contacts (id int NOT NULL PRIMARY KEY, email nvarchar(200) NULL)');
    await sql(owner, "INSERT INTO contacts (id, email) VALUES (1, N'ana.lima@example.com')");
    await closeTedious(owner);
  }, 600_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  it('logs in with a token and runs a query', async () => {
    const out = await tsql(gateway.port, 'carl', await gateway.agentToken('carl', ['app']), "SELECT 40 + 2 AS answer, N'héllo' AS greeting\ngo\nexit\n");
    expect(out).toMatch(/answer\s+greeting/);
    expect(out).toMatch(/42\s+héllo/);
    expect(out).toMatch(/\(1 row affected\)/);
  });

  it('shows the refusal (229, naming the rule) and runs the next batch on the same session', async () => {
    const out = await tsql(gateway.port, 'carl', await gateway.agentToken('carl', ['app']), 'DROP TABLE contacts\ngo\nSELECT COUNT(*) AS n FROM contacts\ngo\nexit\n');
    expect(out).toMatch(/Msg 229/);
    expect(out).toContain('no-drop');
    expect(out).toMatch(/\n\s*1\s*\n/);
    expect(out).toMatch(/\(1 row affected\)/);
  });

  it('masks for the analyst', async () => {
    const out = await tsql(gateway.port, 'ana', await gateway.agentToken('ana', ['analysts']), 'SELECT id, email FROM contacts\ngo\nexit\n');
    expect(out).toMatch(/\(1 row affected\)/);
    expect(out).not.toContain('ana.lima@example.com');
  });

  it('refuses a bad token with Msg 18456', async () => {
    const out = await tsql(gateway.port, 'carl', 'not-a-token', 'SELECT 1\ngo\nexit\n');
    expect(out).toMatch(/18456|Login failed/);
  });
});
