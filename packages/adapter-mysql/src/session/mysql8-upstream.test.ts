import { generateKeyPairSync } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMysql8 } from '../testing/fake-mysql8.js';
import type { FakeMysql8 } from '../testing/fake-mysql8.js';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';

// A whole gateway session in front of a (scripted) MySQL 8 whose account uses caching_sha2_password
// and whose cache is cold, reached without TLS: the gateway's login takes the RSA path, then mysql2
// gets masked rows as from any other upstream.

const POLICY = `
version: 1
rules:
  - id: analysts-read
    effect: allow
    when: { principal: { groups: [analysts] }, action: { category: [read] } }
    mask:
      columns: { "**.t.email": partial }
`;

describe('a session through the gateway to a MySQL 8 upstream (caching_sha2_password over RSA)', () => {
  let server: FakeMysql8;
  let gateway: TestGateway;

  beforeAll(async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    server = await startFakeMysql8({
      user: 'gatehouse_svc',
      password: 'upstream-secret',
      cached: false,
      rsa,
      answer: (sql) => {
        if (sql.startsWith('SELECT @@session.sql_mode')) return { columns: ['a', 'b', 'c'], rows: [['STRICT_TRANS_TABLES,ANSI_QUOTES', 'utf8mb4', 'utf8mb4']] };
        if (sql === 'SELECT email FROM t') return { columns: ['email'], rows: [['ana.lima@example.com'], [null]] };
        return undefined;
      },
    });
    gateway = await startTestGateway({ host: '127.0.0.1', port: server.port, database: 'app', user: 'gatehouse_svc', password: 'upstream-secret', tls: 'disable' }, POLICY);
  });

  afterAll(async () => {
    await gateway?.stop();
    await server?.close();
  });

  it('logs in upstream with RSA full authentication, pins sql_mode, and masks the rows', async () => {
    const client = await mysql.createConnection({
      host: 'localhost',
      port: gateway.port,
      user: 'ana',
      password: await gateway.token('ana', ['analysts']),
      database: 'app',
      ssl: { ca: gateway.cert },
    });
    try {
      const [rows] = await client.query<mysql.RowDataPacket[]>('SELECT email FROM t');
      expect(rows).toHaveLength(2);
      expect(String(rows[0]!['email'])).not.toContain('ana.lima');
      expect(rows[1]!['email']).toBeNull();
    } finally {
      await client.end();
    }
    const [connection] = server.connections;
    expect(connection!.steps).toEqual(['full-auth', 'public-key-request', 'rsa']);
    // ANSI_QUOTES is removed before the client's first statement; the statement itself went through unchanged.
    expect(connection!.queries).toEqual([
      'SELECT @@session.sql_mode, @@session.character_set_client, @@session.character_set_connection',
      "SET SESSION sql_mode = 'STRICT_TRANS_TABLES'",
      'SELECT email FROM t',
    ]);
  });
});
