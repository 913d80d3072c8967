import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { runCommand, startMariadb } from '@gatehouse/testkit';
import type { MariadbServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';

// The stock `mariadb` command-line client through the gateway. It answers the greeting with
// mysql_native_password; the gateway switches it to mysql_clear_password (inside TLS) or, with
// the other setting, to caching_sha2_password full authentication. No special client flags.

const POLICY = `
version: 1
rules:
  - id: no-drop
    effect: deny
    when: { action: { operation: [DROP TABLE] } }
  - id: analysts-read
    effect: allow
    when: { principal: { groups: [analysts] }, action: { category: [read, session] } }
    mask:
      columns: { "**.people.email": partial }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

describe('the mariadb CLI through the gateway', () => {
  let server: MariadbServer;
  const gateways: TestGateway[] = [];
  let dir: string;
  let caFile: string;

  beforeAll(async () => {
    server = await startMariadb();
    await server.sql("CREATE TABLE app.people (id int PRIMARY KEY, email varchar(100)); INSERT INTO app.people VALUES (1, 'ana.lima@example.com')");
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
  }, 180_000);

  afterAll(async () => {
    for (const gateway of gateways) await gateway.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function gatewayWith(options: Parameters<typeof startTestGateway>[2] = {}): Promise<TestGateway> {
    const gateway = await startTestGateway(server, POLICY, options);
    gateways.push(gateway);
    caFile = join(dir, `ca-${gateways.length}.pem`);
    writeFileSync(caFile, gateway.cert);
    return gateway;
  }

  function cli(gateway: TestGateway, user: string, password: string, sql: string): Promise<string> {
    return runCommand('mariadb', [
      '--no-defaults',
      '--protocol=TCP',
      '-h', 'localhost',
      '-P', String(gateway.port),
      '-u', user,
      `-p${password}`,
      `--ssl-ca=${caFile}`,
      '--ssl-verify-server-cert',
      '-D', 'app',
      '-N', '-B',
      '-e', sql,
    ], { timeoutMs: 20_000 });
  }

  it('logs in with a token (switched to mysql_clear_password inside TLS) and gets masked rows', async () => {
    const gateway = await gatewayWith();
    const out = await cli(gateway, 'ana', await gateway.token('ana', ['analysts']), 'SELECT id, email FROM people');
    expect(out.trim().split('\t')[0]).toBe('1');
    expect(out).not.toContain('ana.lima@example.com');
  });

  it('also logs in when switched to caching_sha2_password full authentication', async () => {
    const gateway = await gatewayWith({ switchAuthPlugin: 'caching_sha2_password' });
    const out = await cli(gateway, 'carl', await gateway.token('carl', ['app']), 'SELECT 40 + 2');
    expect(out.trim()).toBe('42');
  });

  it('logs in without TLS on loopback when the listener allows it: the mariadb CLI (libmariadb) and mysql2, switched to mysql_clear_password', async () => {
    const gateway = await gatewayWith({ allowPlaintextOnLoopback: true });
    const token = await gateway.token('carl', ['app']);
    const out = await runCommand('mariadb', ['--no-defaults', '--protocol=TCP', '-h', '127.0.0.1', '-P', String(gateway.port), '-u', 'carl', `-p${token}`, '--skip-ssl', '-D', 'app', '-N', '-B', '-e', 'SELECT 6 * 7'], { timeoutMs: 20_000 });
    expect(out.trim()).toBe('42');
    // mysql2 answers the greeting with caching_sha2_password; a ~450-byte token cannot ride one RSA block,
    // so it is switched to cleartext too, which mysql2 (like libmysqlclient) only does when told to.
    const client = await mysql.createConnection({ host: '127.0.0.1', port: gateway.port, user: 'carl', password: token, database: 'app', enableCleartextPlugin: true });
    const [rows] = await client.query<mysql.RowDataPacket[]>('SELECT 6 * 7 AS answer');
    expect(rows[0]!['answer']).toBe(42);
    await client.end();
  });

  it('shows the refusal (1142) naming the rule and a bad token (1045)', async () => {
    const gateway = await gatewayWith();
    await expect(cli(gateway, 'carl', await gateway.token('carl', ['app']), 'DROP TABLE people')).rejects.toThrow(/1142.*no-drop/s);
    await expect(cli(gateway, 'carl', 'not-a-token', 'SELECT 1')).rejects.toThrow(/1045/);
  });
});
