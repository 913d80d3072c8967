import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { PrincipalAttributeValue } from '@gatehouse/core';
import { createAuthRateLimiter, createAuthenticator, createGatewayTokenVerifier, issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import type { SigningKey } from '@gatehouse/identity';
import { createMasker } from '@gatehouse/masking';
import { loadPolicy } from '@gatehouse/policy';
import { Gateway, SqlStatementDecider, createDevCertificate, silentLogger, upstreamTlsOptions } from '@gatehouse/proxy';
import { createSqlClassifier } from '@gatehouse/sql';
import { startMariadb } from '@gatehouse/testkit';
import type { MariadbServer } from '@gatehouse/testkit';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlAdapter } from '../mysql-adapter.js';
import { connectDirect } from '../testing/seed.js';

// MySQL names are database.table, so the glob that matches "customers in any database" is *.customers.
const POLICY = `
version: 1
rules:
  - id: support-sees-own-region
    effect: allow
    when:
      principal: { groups: [support] }
      action: { category: [read, write] }
    filter:
      "*.customers": { region: "\${principal.region}" }
  - id: support-session
    effect: allow
    when:
      principal: { groups: [support] }
      action: { category: [transaction, session] }
`;

/** Hostile on purpose: quotes, backslashes, comments and operators must all stay inside one literal. */
const HOSTILE_REGION = "eu' OR '1'='1' -- /* \\' \" ` */";

/**
 * Read filters through the real gateway in front of MariaDB, with region carried by the gateway
 * token's attributes (as `gatehouse token issue --attr region=eu` makes it): a support principal
 * sees and changes only its region's customers, whatever shape the statement has.
 */
describe('row filters through the MySQL gateway', () => {
  let server: MariadbServer;
  let direct: mysql.Connection;
  let gateway: Gateway;
  let port: number;
  let cert: string;
  let signingKey: SigningKey;
  let stateDir: string;
  const clients: mysql.Connection[] = [];

  async function connectAs(user: string, attributes: Record<string, PrincipalAttributeValue>): Promise<mysql.Connection> {
    const password = await issueGatewayToken(signingKey, { user, groups: ['support'], kind: 'human', ttl: '1h', attributes });
    const connection = await mysql.createConnection({ host: 'localhost', port, user, password, database: 'app', ssl: { ca: cert } });
    connection.on('error', () => undefined);
    clients.push(connection);
    return connection;
  }

  async function ids(connection: mysql.Connection, sql: string): Promise<number[]> {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(sql);
    return rows.map((row) => Number(row['id']));
  }

  beforeAll(async () => {
    server = await startMariadb();
    direct = await connectDirect(server);
    await direct.query(
      "CREATE TABLE customers (id int PRIMARY KEY, name varchar(50) NOT NULL, region varchar(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci); CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL)",
    );
    await direct.query("INSERT INTO customers VALUES (1, 'Ana', 'eu'), (2, 'Bo', 'eu'), (3, 'Cy', 'eu'), (4, 'Di', 'us'), (5, 'Ed', 'us'), (6, 'Fay', NULL)");
    await direct.query('INSERT INTO orders VALUES (10, 1), (11, 2), (12, 4), (13, 5)');

    stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-rf-'));
    signingKey = await loadOrCreateSigningKey(join(stateDir, 'gateway.pem'));
    const authenticator = createAuthenticator({
      gatewayKey: createGatewayTokenVerifier({ publicKey: signingKey.publicKey }),
      rateLimiter: createAuthRateLimiter({ maxFailures: 50 }),
    });
    const policy = loadPolicy(POLICY, 'row-filter-policy.yaml');
    const decider = new SqlStatementDecider(await createSqlClassifier(), { current: () => policy });
    const certificate = await createDevCertificate(['localhost']);
    cert = certificate.cert;
    const adapter = createMysqlAdapter({
      secureContext: createSecureContext({ cert: certificate.cert, key: certificate.key }),
      allowPlaintextOnLoopback: false,
      upstream: {
        host: server.host,
        port: server.port,
        database: server.database,
        user: server.user,
        password: server.password,
        tls: upstreamTlsOptions('localhost', { mode: 'disable' }),
      },
      authenticate: (request) => authenticator.authenticate(request),
      decider,
      masker: createMasker({ keys: { hash: 'test-hash-key' } }),
      logger: silentLogger(),
    });
    gateway = new Gateway([{ connection: 'app', environment: 'prod', listen: { host: '127.0.0.1', port: 0 }, adapter }], { logger: silentLogger(), drainTimeoutMs: 2_000 });
    const [bound] = await gateway.start();
    port = bound!.address.port;
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
    await direct?.end().catch(() => undefined);
    await gateway?.drain();
    await server?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('plain selects, joins, subqueries, CTEs, UNION and COUNT(*) see only eu rows', async () => {
    const sam = await connectAs('sam', { region: 'eu' });
    expect(await ids(sam, 'SELECT id FROM customers ORDER BY id')).toEqual([1, 2, 3]);
    expect(await ids(sam, 'SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.id')).toEqual([10, 11]);
    expect(await ids(sam, 'SELECT id FROM orders WHERE customer_id IN (SELECT id FROM customers) ORDER BY id')).toEqual([10, 11]);
    expect(await ids(sam, 'WITH c AS (SELECT * FROM app.customers) SELECT id FROM c ORDER BY id')).toEqual([1, 2, 3]);
    expect(await ids(sam, 'SELECT id FROM customers WHERE id < 2 UNION SELECT id FROM customers WHERE id > 2 ORDER BY id')).toEqual([1, 3]);
    const [count] = await sam.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM customers');
    expect(Number(count[0]!['n'])).toBe(3);
  });

  it('prepared statements are filtered at prepare time', async () => {
    const sam = await connectAs('sam', { region: 'eu' });
    const [us] = await sam.execute<mysql.RowDataPacket[]>('SELECT id FROM customers WHERE id = ?', [4]);
    expect(us).toEqual([]);
    const [eu] = await sam.execute<mysql.RowDataPacket[]>('SELECT id FROM customers WHERE id = ?', [2]);
    expect(eu.map((row) => row['id'])).toEqual([2]);
  });

  it('UPDATE and DELETE touch only eu rows', async () => {
    const sam = await connectAs('sam', { region: 'eu' });
    const [updated] = await sam.query<mysql.ResultSetHeader>("UPDATE customers SET name = CONCAT(name, '!')");
    expect(updated.affectedRows).toBe(3);
    const [deleted] = await sam.query<mysql.ResultSetHeader>('DELETE FROM customers WHERE id IN (3, 4)');
    expect(deleted.affectedRows).toBe(1);
    const [truth] = await direct.query<mysql.RowDataPacket[]>('SELECT id, name FROM customers ORDER BY id');
    expect(truth.map((row) => [row['id'], row['name']])).toEqual([
      [1, 'Ana!'],
      [2, 'Bo!'],
      [4, 'Di'],
      [5, 'Ed'],
      [6, 'Fay'],
    ]);
  });

  it('an INSERT of a us row is refused naming the rule, never the value; an eu row goes in', async () => {
    const sam = await connectAs('sam', { region: 'eu' });
    const refused = await sam.query("INSERT INTO customers (id, name, region) VALUES (7, 'Gil', 'us')").catch((error: unknown) => error);
    expect(refused).toMatchObject({ errno: 1142 });
    expect((refused as Error).message).toContain('support-sees-own-region');
    expect((refused as Error).message).not.toContain("'us'");
    await sam.query("INSERT INTO customers (id, name, region) VALUES (8, 'Hal', 'eu')");
    const [rows] = await direct.query<mysql.RowDataPacket[]>('SELECT id FROM customers WHERE id IN (7, 8)');
    expect(rows.map((row) => row['id'])).toEqual([8]);
    expect(await ids(sam, 'SELECT id FROM customers ORDER BY id')).toEqual([1, 2, 8]);
  });

  it('an attribute holding quotes, backslashes, comments and operators is bound as one literal', async () => {
    const mallory = await connectAs('mallory', { region: HOSTILE_REGION });
    expect(await ids(mallory, 'SELECT id FROM customers')).toEqual([]);
    await direct.query('INSERT INTO customers VALUES (9, ?, ?)', ['Ivy', HOSTILE_REGION]);
    expect(await ids(mallory, 'SELECT id FROM customers')).toEqual([9]);
  });

  it('a missing attribute denies with a clear reason instead of dropping the filter', async () => {
    const nora = await connectAs('nora', {});
    const refused = await nora.query('SELECT id FROM customers').catch((error: unknown) => error);
    expect(refused).toMatchObject({ errno: 1142 });
    expect((refused as Error).message).toMatch(/region/);
    await nora.query('BEGIN');
    await nora.query('ROLLBACK');
  });
});
