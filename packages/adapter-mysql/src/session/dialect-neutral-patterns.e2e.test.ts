import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { startMariadb } from '@gatehouse/testkit';
import type { MariadbServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, upstreamFromUrl } from '../testing/gateway-harness.js';
import type { TestGateway, UpstreamServer } from '../testing/gateway-harness.js';

// A policy written once for every dialect uses three-part patterns (`*.*.secrets`). MySQL names
// have no schema (`app.secrets`); the deny, the mask and the allow must still mean what they say.

const POLICY = `
version: 1
rules:
  - id: no-secrets
    effect: deny
    when: { action: { objects: ["*.*.secrets"] } }
    message: Secrets are off limits
  - id: sessions
    effect: allow
    when: { action: { category: [session, transaction] } }
  - id: analysts-read
    effect: allow
    when:
      principal: { groups: [analysts] }
      action: { category: [read], objects: ["*.*.*"] }
    mask:
      columns: { "*.*.users.email": redact }
  - id: public-schema-only
    effect: allow
    when:
      principal: { groups: [interns] }
      action: { category: [read], objects: ["*.public.users"] }
`;

const mysqlUrl = process.env['MYSQL_URL'];

describe('dialect-neutral object patterns on MySQL names', () => {
  let fixture: MariadbServer | undefined;
  let upstream: UpstreamServer;
  let gateway: TestGateway;
  const connections: mysql.Connection[] = [];

  async function client(user: string, groups: string[]): Promise<mysql.Connection> {
    const connection = await mysql.createConnection({
      host: 'localhost',
      port: gateway.port,
      user,
      password: await gateway.token(user, groups),
      database: 'app',
      ssl: { ca: gateway.cert },
    });
    connection.on('error', () => undefined);
    connections.push(connection);
    return connection;
  }

  beforeAll(async () => {
    if (mysqlUrl) upstream = upstreamFromUrl(mysqlUrl);
    else {
      fixture = await startMariadb();
      upstream = fixture;
    }
    const direct = await mysql.createConnection({
      host: upstream.host,
      port: upstream.port,
      user: upstream.user,
      password: upstream.password,
      database: upstream.database,
      ...(upstream.caCertFile ? { ssl: { ca: readFileSync(upstream.caCertFile, 'utf8') } } : {}),
      multipleStatements: true,
    });
    await direct.query(`
      DROP TABLE IF EXISTS pattern_users, secrets;
      CREATE TABLE pattern_users (id int PRIMARY KEY, email varchar(100));
      INSERT INTO pattern_users VALUES (1, 'ana@example.com');
      CREATE TABLE secrets (id int PRIMARY KEY, value varchar(100));
      INSERT INTO secrets VALUES (1, 'the-launch-code');
    `);
    await direct.end();
    gateway = await startTestGateway(upstream, POLICY.replaceAll('.users', '.pattern_users'));
  }, 180_000);

  afterAll(async () => {
    for (const connection of connections) await connection.end().catch(() => undefined);
    await gateway?.stop();
    await fixture?.stop();
  });

  it('a deny on *.*.secrets refuses app.secrets (1142) and the session goes on', async () => {
    const c = await client('ana', ['analysts']);
    const error = await c.query('SELECT value FROM secrets').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ errno: 1142 });
    expect(String((error as Error).message)).toContain('no-secrets');
    expect(String((error as Error).message)).not.toContain('launch');
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT id FROM pattern_users');
    expect(rows[0]!['id']).toBe(1);
  });

  it('a mask on *.*.users.email masks app.users.email', async () => {
    const c = await client('ana', ['analysts']);
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT id, email FROM pattern_users');
    expect(rows).toHaveLength(1);
    expect(rows[0]!['id']).toBe(1);
    expect(String(rows[0]!['email'])).not.toContain('ana@example.com');
  });

  it('an allow naming a schema MySQL does not have (*.public.users) grants nothing', async () => {
    const c = await client('ivy', ['interns']);
    await expect(c.query('SELECT id FROM pattern_users')).rejects.toMatchObject({ errno: 1142 });
  });
});
