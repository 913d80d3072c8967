/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies from the admin API, checked field by field by the assertions */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { silentLogger } from '@gatehouse/proxy';
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../config/gateway-config.js';
import { main } from '../main.js';
import { startGateway } from './start-gateway.js';
import type { RunningGateway } from './start-gateway.js';

const POLICY = `version: 1
rules:
  - id: sessions
    effect: allow
    when: { action: { category: [session, transaction] } }
  - id: app-reads
    effect: allow
    when: { principal: { groups: [app] }, action: { category: [read] } }
  - id: app-inserts
    effect: allow
    when: { principal: { groups: [app] }, action: { operation: [INSERT] } }
  - id: deletes-held
    effect: review
    when: { action: { operation: [DELETE] } }
    review: { approvers: { groups: [dba] }, mode: hold, timeout: 4s }
  - id: updates-ticket
    effect: review
    when: { action: { operation: [UPDATE] } }
    review: { approvers: { groups: [dba] }, mode: ticket, timeout: 10m }
  - id: no-ddl
    effect: deny
    when: { action: { category: [ddl] } }
  - id: regional-reads
    effect: allow
    when: { principal: { groups: [regional] }, action: { category: [read] } }
    filter:
      "*.*.customers": { region: "\${principal.region}" }
`;

/** rita's region (a principal attribute): it is bound into the rewritten statement, and must never reach the trail. */
const RITA_REGION = 'zq-region-5521';

const SECRET_VALUE = 'zq-secret-7731@example.com';

/**
 * Audit and approvals end to end: a real PostgreSQL behind the gateway (pg driver), the control
 * plane on PostgreSQL too, approvals given through the admin HTTP API with gateway-issued tokens.
 */
describe('audit and approvals through the gateway', () => {
  let server: PostgresServer;
  let gateway: RunningGateway;
  let dir: string;
  let port: number;
  let adminUrl: string;
  const tokens: Record<string, string> = {};
  const webhookBodies: Record<string, unknown>[] = [];
  let webhookServer: ReturnType<typeof createServer>;

  async function client(user = 'carl'): Promise<pg.Client> {
    const c = new pg.Client({ host: '127.0.0.1', port, user, password: tokens[user], database: server.database, ssl: false });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }

  async function admin(method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${adminUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: await response.json() };
  }

  async function pendingFor(user: string): Promise<any> {
    let found: any;
    await expect
      .poll(async () => {
        const { json } = await admin('GET', `/v1/approvals?state=pending&requester=${user}`, tokens['dora']);
        found = json.approvals.find((request: any) => request.mode === 'hold');
        return found;
      }, { timeout: 15_000, interval: 100 })
      .toBeDefined();
    return found;
  }

  beforeAll(async () => {
    server = await startPostgres({ tls: false });
    const setup = new pg.Client({ connectionString: server.connectionString({ sslmode: 'disable' }) });
    await setup.connect();
    await setup.query('CREATE TABLE orders (id int PRIMARY KEY, note text)');
    await setup.query(`INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 5) g`);
    await setup.query('CREATE TABLE customers (id int PRIMARY KEY, region text NOT NULL)');
    await setup.query(`INSERT INTO customers VALUES (1, '${RITA_REGION}'), (2, 'us'), (3, '${RITA_REGION}')`);
    await setup.end();

    webhookServer = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        webhookBodies.push(JSON.parse(text) as Record<string, unknown>);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => webhookServer.listen(0, '127.0.0.1', resolve));

    dir = mkdtempSync(join(tmpdir(), 'gatehouse-control-plane-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    const config: GatewayConfig = {
      file: join(dir, 'gatehouse.yaml'),
      policy: join(dir, 'policy.yaml'),
      identity: { signingKey: join(dir, 'gateway.pem'), rateLimit: { maxFailures: 100, windowMs: 60_000 } },
      masking: { hashKey: 'h'.repeat(32) },
      connections: [
        {
          name: 'orders',
          dialect: 'postgres',
          environment: 'prod',
          listen: { host: '127.0.0.1', port: 0 },
          allowPlaintextOnLoopback: true,
          upstream: { host: server.host, port: server.port, database: server.database, user: server.user, password: server.password, tls: { mode: 'disable' } },
          auditDurability: 'before-forward',
        },
      ],
      shutdown: { drainTimeoutMs: 2000 },
      log: { level: 'silent' },
      audit: {
        store: { kind: 'postgres', connectionString: server.connectionString({ sslmode: 'disable' }) },
        durability: 'async',
        signingKey: join(dir, 'audit-checkpoint.pem'),
        digestKey: 'd'.repeat(40),
      },
      approvals: {
        ticketTtlMs: 60_000,
        ticketUses: 1,
        pollMs: 100,
        webhooks: [{ url: `http://127.0.0.1:${(webhookServer.address() as AddressInfo).port}/hook`, format: 'slack' }],
        webhookRetries: 1,
      },
      admin: { listen: { host: '127.0.0.1', port: 0 }, roleGroups: { admin: [], approver: [], auditor: ['auditors'] } },
    };
    gateway = await startGateway(config, silentLogger());
    port = gateway.listeners[0]!.address.port;
    adminUrl = gateway.admin!.url;
    const key = await loadOrCreateSigningKey(config.identity.signingKey);
    const issue = (user: string, groups: string[], roles?: string) =>
      issueGatewayToken(key, { user, groups, kind: 'human', ttl: '1h', ...(roles ? { attributes: { roles } } : {}) });
    tokens['carl'] = await issue('carl', ['app']);
    tokens['dora'] = await issue('dora', ['dba'], 'approver');
    tokens['erin'] = await issue('erin', ['dba'], 'approver');
    tokens['carl-approver'] = await issue('carl', ['app', 'dba'], 'approver');
    tokens['audrey'] = await issue('audrey', ['auditors']);
    tokens['root'] = await issue('root', ['ops'], 'admin');
    tokens['rita'] = await issueGatewayToken(key, { user: 'rita', groups: ['regional'], kind: 'human', ttl: '1h', attributes: { region: RITA_REGION } });
  }, 180_000);

  afterAll(async () => {
    await gateway?.drain();
    await server?.stop();
    webhookServer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves health, readiness and the OpenAPI document without a token; everything else needs one', async () => {
    expect((await admin('GET', '/healthz', undefined)).json).toEqual({ ok: true });
    expect((await admin('GET', '/readyz', undefined)).status).toBe(200);
    const openapi = await admin('GET', '/openapi.json', undefined);
    expect(openapi.json.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.json.paths)).toContain('/v1/approvals/{id}/approve');
    // No telemetry.prometheus in this configuration: nothing to scrape.
    expect((await admin('GET', '/metrics', undefined)).status).toBe(404);
    expect((await admin('GET', '/v1/approvals', undefined)).status).toBe(401);
    expect((await admin('GET', '/v1/approvals', 'not-a-token')).status).toBe(401);
    // carl has no admin role at all.
    expect((await admin('GET', '/v1/audit/verify', tokens['carl'])).status).toBe(403);
  });

  it('holds a reviewed statement until it is approved through the API; the client then gets its rows', async () => {
    const c = await client();
    const held = c.query('DELETE FROM orders WHERE id = 5 RETURNING id');
    held.catch(() => undefined); // settled later in the test; a denial must not count as unhandled meanwhile
    const request = await pendingFor('carl');
    expect(request).toMatchObject({ mode: 'hold', connection: 'orders', environment: 'prod', rule: 'deletes-held', statement: 'DELETE FROM orders WHERE id = ? RETURNING id' });
    const approved = await admin('POST', `/v1/approvals/${request.id}/approve`, tokens['dora'], { comment: 'cleanup' });
    expect(approved.status).toBe(200);
    const { rows } = await held;
    expect(rows).toEqual([{ id: 5 }]);
    expect((await admin('GET', `/v1/approvals/${request.id}`, tokens['dora'])).json.state).toBe('executed');
    await c.end();
  });

  it('answers a denied statement with the native error, and nothing runs', async () => {
    const c = await client();
    const held = c.query('DELETE FROM orders WHERE id = 4');
    held.catch(() => undefined); // settled later in the test; a denial must not count as unhandled meanwhile
    const request = await pendingFor('carl');
    expect((await admin('POST', `/v1/approvals/${request.id}/deny`, tokens['erin'], { comment: 'no' })).status).toBe(200);
    await expect(held).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('approval denied') });
    expect((await c.query('SELECT count(*)::int AS n FROM orders WHERE id = 4')).rows[0].n).toBe(1);
    await c.end();
  });

  it('refuses self-approval and approvers without the role', async () => {
    const c = await client();
    const held = c.query('DELETE FROM orders WHERE id = 3');
    held.catch(() => undefined); // settled later in the test; a denial must not count as unhandled meanwhile
    const request = await pendingFor('carl');
    const self = await admin('POST', `/v1/approvals/${request.id}/approve`, tokens['carl-approver']);
    expect(self).toMatchObject({ status: 403, json: { error: 'approvals.self-approval' } });
    const auditor = await admin('POST', `/v1/approvals/${request.id}/approve`, tokens['audrey']);
    expect(auditor).toMatchObject({ status: 403, json: { error: 'admin.forbidden' } });
    await admin('POST', `/v1/approvals/${request.id}/deny`, tokens['dora']);
    await expect(held).rejects.toMatchObject({ code: '42501' });
    await c.end();
  });

  it('expires a held statement nobody decides, with the native error', async () => {
    const c = await client();
    const started = Date.now();
    await expect(c.query('DELETE FROM orders WHERE id = 2')).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('approval expired') });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3900);
    await c.end();
  });

  it('lets the client cancel a held statement (57014), and the request is cancelled', async () => {
    const c = await client();
    const held = c.query('DELETE FROM orders WHERE id = 1');
    held.catch(() => undefined); // settled later in the test; a denial must not count as unhandled meanwhile
    const request = await pendingFor('carl');
    // node-postgres' cancel(): a new connection sending CancelRequest with the key the gateway gave `c`.
    const canceller = new pg.Client({ host: '127.0.0.1', port, user: 'carl', password: tokens['carl'], database: server.database }) as unknown as {
      cancel(client: pg.Client, query: unknown): void;
    };
    canceller.cancel(c, (c as unknown as { activeQuery: unknown }).activeQuery);
    await expect(held).rejects.toMatchObject({ code: '57014' });
    await expect.poll(async () => (await admin('GET', `/v1/approvals/${request.id}`, tokens['dora'])).json.state, { timeout: 10_000 }).toBe('cancelled');
    expect((await c.query('SELECT count(*)::int AS n FROM orders WHERE id = 1')).rows[0].n).toBe(1);
    await c.end();
  });

  it('tickets: refuses at once with the request id, then runs once after approval', async () => {
    const c = await client();
    const first = await c.query("UPDATE orders SET note = 'x' WHERE id = 1").catch((error: unknown) => error as { code: string; message: string });
    expect(first).toMatchObject({ code: '42501', message: expect.stringMatching(/request apr_[0-9a-f]+ is pending.*gatehouse approvals approve apr_/) });
    const id = /request (apr_[0-9a-f]+)/.exec((first as { message: string }).message)![1]!;
    expect((await admin('POST', `/v1/approvals/${id}/approve`, tokens['dora'])).status).toBe(200);
    const ran = await c.query("UPDATE orders SET note = 'y' WHERE id = 1");
    expect(ran.rowCount).toBe(1);
    await expect(c.query("UPDATE orders SET note = 'z' WHERE id = 1")).rejects.toMatchObject({ code: '42501' });
    await c.end();
  });

  it('records every statement (refused too) and every failed login, with the right fields and no literal values', async () => {
    const c = await client();
    await c.query(`SELECT * FROM orders WHERE note = '${SECRET_VALUE}'`);
    await expect(c.query('DROP TABLE orders')).rejects.toMatchObject({ code: '42501' });
    await c.end();
    const bad = new pg.Client({ host: '127.0.0.1', port, user: 'mallory', password: 'not-a-token', database: server.database });
    bad.on('error', () => undefined);
    await expect(bad.connect()).rejects.toMatchObject({ code: '28P01' });

    const search = async (query: string) => (await admin('GET', `/v1/audit/events?${query}`, tokens['audrey'])).json;
    // Generous bounds: results are written behind the statements, and CI runs projects side by side on 2 cores.
    const endedStatements = async () =>
      (await search('type=statement.result&limit=1000')).events.length +
      (await search('type=statement&limit=1000')).events.filter((event: any) => event.result !== undefined).length;
    await expect.poll(endedStatements, { timeout: 20_000 }).toBeGreaterThanOrEqual(8);
    const statements = (await search('type=statement&user=carl&limit=1000')).events;
    const select = statements.find((event: any) => event.redactedText.startsWith('SELECT * FROM orders WHERE note'));
    expect(select).toMatchObject({ type: 'statement', principal: { id: 'carl' }, connection: 'orders', environment: 'prod', decision: { effect: 'allow', rules: ['app-reads'] } });
    expect(select.redactedText).not.toContain(SECRET_VALUE);
    const drop = statements.find((event: any) => event.redactedText.startsWith('DROP TABLE'));
    expect(drop).toMatchObject({ decision: { effect: 'deny', rules: ['no-ddl'] } });
    const held = statements.filter((event: any) => event.decision.effect === 'review');
    expect(held.length).toBeGreaterThanOrEqual(6);
    expect(held.every((event: any) => typeof event.approvalId === 'string')).toBe(true);
    // Results are written asynchronously. On this async-durability connection a result that arrives
    // before its statement record is written is folded into it (`result`); a later one is its own
    // statement.result event. Either way the trail must say how the statement ended.
    const resultOf = (statementId: string) =>
      expect.poll(
        async () => {
          const separate = (await search(`type=statement.result&statementId=${statementId}`)).events[0];
          if (separate) return separate;
          return (await search(`type=statement&statementId=${statementId}`)).events[0]?.result;
        },
        { timeout: 20_000 },
      );
    await resultOf(drop.statementId).toMatchObject({ outcome: 'blocked' });
    await resultOf(select.statementId).toMatchObject({ outcome: 'ok', rowsReturned: 0 });

    const refused = (await search('type=auth.refused')).events;
    expect(refused[0]).toMatchObject({ type: 'auth.refused', claimedUser: 'mallory', connection: 'orders', dialect: 'postgres', client: { address: '127.0.0.1' }, tls: { enabled: false } });
    expect(JSON.stringify(refused)).not.toContain('not-a-token');

    const approvalStates = (await search('type=approval&limit=1000')).events.map((event: any) => event.state);
    expect(approvalStates).toEqual(expect.arrayContaining(['pending', 'approved', 'executed', 'denied', 'expired', 'cancelled']));
    const adminEvents = (await search('type=admin&limit=1000')).events;
    expect(adminEvents.some((event: any) => event.action === 'approvals.approve' && event.actor === 'dora' && event.outcome === 'ok')).toBe(true);
    expect(adminEvents.some((event: any) => event.action === 'approvals.approve' && event.actor === 'audrey' && event.outcome === 'forbidden')).toBe(true);
    expect(adminEvents.some((event: any) => event.actor === 'anonymous' && event.outcome === 'forbidden')).toBe(true);

    const everything = JSON.stringify((await search('limit=10000')).events);
    expect(everything).not.toContain(SECRET_VALUE);
    expect(everything).not.toContain(tokens['carl']!);

    const verify = (await admin('GET', '/v1/audit/verify', tokens['audrey'])).json;
    expect(verify).toMatchObject({ ok: true });
    expect(webhookBodies.some((body) => String(body['text']).includes('Approval needed'))).toBe(true);
  });

  it('lists live sessions and terminates one', async () => {
    const before = new Set((await admin('GET', '/v1/sessions', tokens['root'])).json.sessions.map((session: any) => session.sessionId));
    const c = await client();
    const listed = await admin('GET', '/v1/sessions', tokens['root']);
    const mine = listed.json.sessions.find((session: any) => session.principal.id === 'carl' && !before.has(session.sessionId));
    expect(mine).toMatchObject({ connection: 'orders', dialect: 'postgres', tls: false });
    expect((await admin('DELETE', `/v1/sessions/${mine.sessionId}`, tokens['dora'])).status).toBe(403);
    expect((await admin('DELETE', `/v1/sessions/${mine.sessionId}`, tokens['root'])).status).toBe(200);
    await expect(c.query('SELECT 1')).rejects.toBeDefined();
  });

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await main(args, { out: (text) => void (out += `${text}\n`), err: (text) => void (err += `${text}\n`) });
    return { code, out, err };
  }

  it('gatehouse approvals list/show/approve through the admin API', async () => {
    const c = await client();
    const held = c.query('DELETE FROM orders WHERE id = 3');
    held.catch(() => undefined); // settled later in the test; a denial must not count as unhandled meanwhile
    const request = await pendingFor('carl');
    const auth = ['--url', adminUrl, '--token', tokens['dora']!];
    const listed = await cli(['approvals', 'list', '--state', 'pending', ...auth]);
    expect(listed).toMatchObject({ code: 0, out: expect.stringContaining(request.id) });
    expect((await cli(['approvals', 'show', request.id, '--json', ...auth])).out).toContain('"rule": "deletes-held"');
    const selfApproval = await cli(['approvals', 'approve', request.id, '--url', adminUrl, '--token', tokens['carl-approver']!]);
    expect(selfApproval).toMatchObject({ code: 2, err: expect.stringContaining('cannot approve') });
    expect(await cli(['approvals', 'approve', request.id, '--comment', 'ok', ...auth])).toMatchObject({ code: 0, out: expect.stringContaining('approve by dora: ok') });
    expect((await held).rowCount).toBe(1);
    await c.end();
  });

  it('who-touched: a statement that filtered on id = 42 is found by the value, and the trail stores no 42', async () => {
    const c = await client();
    await c.query('SELECT id, note FROM orders WHERE id = 42');
    // A second, distinctive value: it must appear nowhere in the trail, not even as a substring.
    await c.query("SELECT id FROM orders WHERE note = 'zq-touch-987654321'");
    await c.end();
    const table = `${server.database}.public.orders`;
    const auth = ['--url', adminUrl, '--token', tokens['audrey']!];
    let found: any[] = [];
    await expect
      .poll(async () => {
        const result = await cli(['audit', 'who-touched', '--table', table, '--value', '42', '--json', ...auth]);
        found = JSON.parse(result.out).events;
        return found.length;
      }, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(1);
    expect(found.map((event) => event.redactedText)).toEqual(['SELECT id, note FROM orders WHERE id = ?']);
    // The column narrows it the same way; another value or another column finds nothing.
    const byColumn = await cli(['audit', 'who-touched', '--table', table, '--column', 'id', '--value', '42', '--json', ...auth]);
    expect(JSON.parse(byColumn.out).events.map((event: any) => event.statementId)).toEqual([found[0].statementId]);
    expect(JSON.parse((await cli(['audit', 'who-touched', '--table', table, '--value', '43', '--json', ...auth])).out).events).toEqual([]);
    expect(JSON.parse((await cli(['audit', 'who-touched', '--table', table, '--column', 'note', '--value', '42', '--json', ...auth])).out).events).toEqual([]);
    // Human output lists it too.
    expect(await cli(['audit', 'who-touched', '--table', table, '--value', '42', ...auth])).toMatchObject({ code: 0, out: expect.stringContaining('SELECT id, note FROM orders WHERE id = ?') });
    expect(JSON.parse((await cli(['audit', 'who-touched', '--table', table, '--column', 'note', '--value', 'zq-touch-987654321', '--json', ...auth])).out).events).toHaveLength(1);

    // Stored: digests only. Walk every stored body: no value is 42 (seq numbers aside), and the
    // distinctive value is nowhere in the raw rows.
    const db = new pg.Client({ connectionString: server.connectionString({ sslmode: 'disable' }) });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT body FROM gatehouse_audit.events');
      const statement = rows.map((row) => JSON.parse(row.body)).find((body) => body.statementId === found[0].statementId);
      expect(statement.literalDigests.every((digest: string) => /^[0-9a-f]{64}$/.test(digest))).toBe(true);
      const fortyTwos: string[] = [];
      const walk = (value: unknown, path: string): void => {
        if (value === 42 || value === '42') fortyTwos.push(path);
        else if (Array.isArray(value)) value.forEach((item, index) => walk(item, `${path}[${index}]`));
        // seq and durations are the trail's own numbers (a session may well last 42 ms), not statement values.
        else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) if (key !== 'seq' && key !== 'durationMs') walk(item, `${path}.${key}`);
        else if (typeof value === 'string' && /(^|[^0-9a-f:.T-])42([^0-9a-f:.Z]|$)/.test(value)) fortyTwos.push(`${path}: ${value}`);
      };
      for (const row of rows) walk(JSON.parse(row.body), 'event');
      expect(fortyTwos).toEqual([]);
      const raw = await db.query("SELECT count(*)::int AS n FROM gatehouse_audit.events WHERE body LIKE '%987654321%'");
      expect(raw.rows[0].n).toBe(0);
      // Search terms are stored as 'kind:term' in each event's terms column.
      const terms = await db.query("SELECT count(*)::int AS n FROM gatehouse_audit.events e, unnest(e.terms) AS t(term) WHERE t.term LIKE '%987654321%' OR t.term LIKE '%:42'");
      expect(terms.rows[0].n).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('gatehouse audit verify names the first record that was edited, removed or reordered', async () => {
    const auth = ['--url', adminUrl, '--token', tokens['audrey']!];
    expect(await cli(['audit', 'verify', ...auth])).toMatchObject({ code: 0, out: expect.stringContaining('ok: ') });
    const search = await cli(['audit', 'search', '--user', 'carl', '--type', 'statement', '--limit', '5', ...auth]);
    expect(search.code).toBe(0);
    expect(search.out).toContain('statement');

    const db = new pg.Client({ connectionString: server.connectionString({ sslmode: 'disable' }) });
    await db.connect();
    const { rows } = await db.query('SELECT seq, body FROM gatehouse_audit.events ORDER BY seq LIMIT 12');
    const [a, b] = [rows[5]!, rows[6]!];
    const seqA = Number(a.seq);
    const seqB = Number(b.seq);
    try {
      // Edit.
      await db.query('UPDATE gatehouse_audit.events SET body = replace(body, $2, $3) WHERE seq = $1', [seqA, '"at":"', '"at":"1']);
      const edited = await cli(['audit', 'verify', ...auth]);
      expect(edited).toMatchObject({ code: 1, out: expect.stringContaining(`first problem at event seq ${seqA}`) });
      await db.query('UPDATE gatehouse_audit.events SET body = $2 WHERE seq = $1', [seqA, a.body]);
      // Reorder: swap two records' contents.
      await db.query('UPDATE gatehouse_audit.events SET body = $2 WHERE seq = $1', [seqA, b.body]);
      await db.query('UPDATE gatehouse_audit.events SET body = $2 WHERE seq = $1', [seqB, a.body]);
      expect(await cli(['audit', 'verify', ...auth])).toMatchObject({ code: 1, out: expect.stringContaining(`seq ${seqA}`) });
      await db.query('UPDATE gatehouse_audit.events SET body = $2 WHERE seq = $1', [seqA, a.body]);
      await db.query('UPDATE gatehouse_audit.events SET body = $2 WHERE seq = $1', [seqB, b.body]);
      // Delete.
      const [full] = (await db.query('SELECT * FROM gatehouse_audit.events WHERE seq = $1', [seqB])).rows;
      await db.query('DELETE FROM gatehouse_audit.events WHERE seq = $1', [seqB]);
      expect(await cli(['audit', 'verify', ...auth])).toMatchObject({ code: 1, out: expect.stringContaining(`seq ${seqB}`) });
      const columns = Object.keys(full);
      await db.query(`INSERT INTO gatehouse_audit.events (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, columns.map((column) => full[column]));
      expect((await cli(['audit', 'verify', ...auth])).code).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('records that a row-filtered statement ran rewritten, with the rewritten text redacted', async () => {
    const c = await client('rita');
    const { rows } = await c.query('SELECT id FROM customers WHERE id > 0 ORDER BY id');
    // The filter did its job: only rita's region.
    expect(rows).toEqual([{ id: 1 }, { id: 3 }]);
    await c.query('SELECT 1');
    await c.end();

    const auth = ['--url', adminUrl, '--token', tokens['audrey']!];
    let statements: any[] = [];
    await expect
      .poll(async () => {
        const result = await cli(['audit', 'search', '--user', 'rita', '--type', 'statement', '--json', ...auth]);
        statements = JSON.parse(result.out).events;
        return statements.length;
      }, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    const filtered = statements.find((event) => event.redactedText.startsWith('SELECT id FROM customers'));
    expect(filtered).toMatchObject({ rewritten: true, redactedText: 'SELECT id FROM customers WHERE id > ? ORDER BY id', decision: { rules: ['regional-reads'] } });
    // What went upstream: the client's statement with the filter, every literal (the region too) a placeholder.
    expect(filtered.rewrittenText).toMatch(/customers/);
    expect(filtered.rewrittenText).toMatch(/"?region"?\s*=\s*\?/);
    expect(filtered.rewrittenText).not.toContain(RITA_REGION);
    // A statement without filters is not marked.
    const plain = statements.find((event) => event.redactedText === 'SELECT ?');
    expect(plain).toBeDefined();
    expect(plain).not.toHaveProperty('rewritten');
    expect(plain).not.toHaveProperty('rewrittenText');

    const db = new pg.Client({ connectionString: server.connectionString({ sslmode: 'disable' }) });
    await db.connect();
    try {
      const stored = await db.query('SELECT count(*)::int AS n FROM gatehouse_audit.events WHERE body LIKE $1', [`%${RITA_REGION}%`]);
      expect(stored.rows[0].n).toBe(0);
      const flagged = await db.query("SELECT count(*)::int AS n FROM gatehouse_audit.events WHERE terms @> ARRAY['flag:rewritten'] AND principal_id = 'rita'");
      expect(flagged.rows[0].n).toBe(1);
    } finally {
      await db.end();
    }
    expect((await cli(['audit', 'verify', ...auth])).code).toBe(0);
  });
});
