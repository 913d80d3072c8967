import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresAdapter } from '../postgres-adapter.js';
import { connectDirect } from '../testing/gateway-harness.js';
import { CancelRegistry } from './cancel-registry.js';
import { UpstreamCatalog } from './catalog.js';
import type { PostgresUpstreamSettings } from './upstream-login.js';

const POLICY = `
version: 1
rules:
  - id: support-sees-own-region
    effect: allow
    when:
      principal: { groups: [support] }
      action: { category: [read, write] }
    filter:
      "*.*.customers": { region: "\${principal.region}" }
  - id: support-session
    effect: allow
    when:
      principal: { groups: [support] }
      action: { category: [transaction, session] }
`;

/** Hostile on purpose: quotes, a comment and operators must all stay inside one literal. */
const HOSTILE_REGION = "eu' OR '1'='1' -- /* $$ \\";

/**
 * Read filters through the real gateway in front of PostgreSQL 15, with region carried by the
 * gateway token's attributes (as `gatehouse token issue --attr region=eu` makes it): a support
 * principal sees and changes only its region's customers, whatever shape the statement has.
 */
describe('row filters through the PostgreSQL relay', () => {
  let server: PostgresServer;
  let gateway: Gateway;
  let catalog: UpstreamCatalog;
  let port: number;
  let cert: string;
  let signingKey: SigningKey;
  let stateDir: string;
  let owner: pg.Client;
  const clients: pg.Client[] = [];

  async function connectAs(user: string, attributes: Record<string, PrincipalAttributeValue>): Promise<pg.Client> {
    const password = await issueGatewayToken(signingKey, { user, groups: ['support'], kind: 'human', ttl: '1h', attributes });
    const client = new pg.Client({ host: 'localhost', port, user, password, database: 'app', ssl: { ca: cert } });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  }

  async function ids(client: pg.Client, sql: string, values?: unknown[]): Promise<number[]> {
    const result = await client.query<{ id: number }>(sql, values);
    return result.rows.map((row) => Number(row.id));
  }

  beforeAll(async () => {
    server = await startPostgres();
    owner = await connectDirect(server);
    await owner.query('CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region text)');
    await owner.query('CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, total int NOT NULL)');
    await owner.query(`INSERT INTO customers VALUES (1, 'Ana', 'eu'), (2, 'Bo', 'eu'), (3, 'Cy', 'eu'), (4, 'Di', 'us'), (5, 'Ed', 'us'), (6, 'Fay', NULL)`);
    await owner.query('INSERT INTO orders VALUES (10, 1, 5), (11, 2, 7), (12, 4, 9), (13, 5, 11)');

    stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-rf-'));
    signingKey = await loadOrCreateSigningKey(join(stateDir, 'gateway.pem'));
    const authenticator = createAuthenticator({
      gatewayKey: createGatewayTokenVerifier({ publicKey: signingKey.publicKey }),
      rateLimiter: createAuthRateLimiter({ maxFailures: 50 }),
    });
    const policy = loadPolicy(POLICY, 'row-filter-policy.yaml');
    const decider = new SqlStatementDecider(await createSqlClassifier(), { current: () => policy });
    const upstream: PostgresUpstreamSettings = {
      host: server.host,
      port: server.port,
      database: server.database,
      user: server.user,
      password: server.password,
      tls: upstreamTlsOptions('localhost', { mode: 'verify-full', ...(server.caCertFile ? { ca: readFileSync(server.caCertFile, 'utf8') } : {}) }),
    };
    const certificate = await createDevCertificate(['localhost']);
    cert = certificate.cert;
    catalog = new UpstreamCatalog(upstream);
    const adapter = createPostgresAdapter({
      secureContext: createSecureContext({ cert: certificate.cert, key: certificate.key }),
      allowPlaintextOnLoopback: false,
      upstream,
      authenticate: (request) => authenticator.authenticate(request),
      decider,
      masker: createMasker({ keys: { hash: 'test-hash-key' } }),
      catalog,
      cancelRegistry: new CancelRegistry(),
      logger: silentLogger(),
    });
    gateway = new Gateway([{ connection: 'app', environment: 'prod', listen: { host: '127.0.0.1', port: 0 }, adapter }], { logger: silentLogger(), drainTimeoutMs: 2_000 });
    const [bound] = await gateway.start();
    port = bound!.address.port;
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => undefined);
    await owner?.end().catch(() => undefined);
    await gateway?.drain();
    catalog?.close();
    await server?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('plain selects, joins, subqueries, CTEs, UNION and COUNT(*) see only eu rows', async () => {
    const sam = await connectAs('sam', { region: 'eu' });
    expect(await ids(sam, 'SELECT id FROM customers ORDER BY id')).toEqual([1, 2, 3]);
    expect(await ids(sam, 'SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.id')).toEqual([10, 11]);
    expect(await ids(sam, 'SELECT id FROM orders WHERE customer_id IN (SELECT id FROM customers) ORDER BY id')).toEqual([10, 11]);
    expect(await ids(sam, 'WITH c AS (SELECT * FROM public.customers) SELECT id FROM c ORDER BY id')).toEqual([1, 2, 3]);
    expect(await ids(sam, 'SELECT id FROM customers WHERE id < 2 UNION SELECT id FROM customers WHERE id > 2 ORDER BY id')).toEqual([1, 3]);
    expect((await sam.query('SELECT count(*)::int AS n FROM customers')).rows).toEqual([{ n: 3 }]);
    // A CTE named like the table is the CTE: the filter applies where the table is read.
    expect(await ids(sam, 'WITH customers AS (SELECT * FROM customers WHERE id > 2) SELECT id FROM customers ORDER BY id')).toEqual([3]);
  });

  it('prepared statements (unnamed and named) are filtered at prepare time', async () => {
    const sam = await connectAs('sam', { region: 'eu' });
    expect(await ids(sam, 'SELECT id FROM customers WHERE id = $1', [4])).toEqual([]);
    expect(await ids(sam, 'SELECT id FROM customers WHERE id = $1', [2])).toEqual([2]);
    const named = { name: 'by-id', text: 'SELECT id FROM customers WHERE id = ANY($1::int[]) ORDER BY id' };
    expect((await sam.query({ ...named, values: [[1, 4, 5]] })).rows.map((r: { id: number }) => r.id)).toEqual([1]);
    expect((await sam.query({ ...named, values: [[2, 3, 6]] })).rows.map((r: { id: number }) => r.id)).toEqual([2, 3]);
  });

  it('UPDATE and DELETE touch only eu rows', async () => {
    const sam = await connectAs('sam', { region: 'eu' });
    const updated = await sam.query("UPDATE customers SET name = name || '!'");
    expect(updated.rowCount).toBe(3);
    const deleted = await sam.query('DELETE FROM customers WHERE id IN (3, 4) RETURNING id');
    expect(deleted.rows).toEqual([{ id: 3 }]);
    const truth = await owner.query<{ id: number; name: string }>('SELECT id, name FROM customers ORDER BY id');
    expect(truth.rows).toEqual([
      { id: 1, name: 'Ana!' },
      { id: 2, name: 'Bo!' },
      { id: 4, name: 'Di' },
      { id: 5, name: 'Ed' },
      { id: 6, name: 'Fay' },
    ]);
  });

  it('an INSERT of a us row is refused naming the rule, never the value; an eu row goes in', async () => {
    const sam = await connectAs('sam', { region: 'eu' });
    const refused = await sam.query("INSERT INTO customers (id, name, region) VALUES (7, 'Gil', 'us')").catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: '42501' });
    expect((refused as Error).message).toContain('support-sees-own-region');
    expect((refused as Error).message).not.toContain("'us'");
    await sam.query("INSERT INTO customers (id, name, region) VALUES (8, 'Hal', 'eu')");
    expect((await owner.query('SELECT id FROM customers WHERE id IN (7, 8)')).rows).toEqual([{ id: 8 }]);
    // The session is still usable after the refusal.
    expect((await sam.query('SELECT count(*)::int AS n FROM customers')).rows).toEqual([{ n: 3 }]);
  });

  it('an attribute holding quotes, comments and operators is bound as one literal', async () => {
    const mallory = await connectAs('mallory', { region: HOSTILE_REGION });
    expect(await ids(mallory, 'SELECT id FROM customers')).toEqual([]);
    expect((await mallory.query('SELECT count(*)::int AS n FROM customers')).rows).toEqual([{ n: 0 }]);
    await owner.query('INSERT INTO customers VALUES (9, $1, $2)', ['Ivy', HOSTILE_REGION]);
    expect(await ids(mallory, 'SELECT id FROM customers')).toEqual([9]);
  });

  it('a missing attribute denies with a clear reason instead of dropping the filter', async () => {
    const nora = await connectAs('nora', {});
    const refused = await nora.query('SELECT id FROM customers').catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: '42501' });
    expect((refused as Error).message).toMatch(/region/);
    // The refusal is per statement: the session carries on.
    await nora.query('BEGIN');
    await nora.query('ROLLBACK');
  });
});
