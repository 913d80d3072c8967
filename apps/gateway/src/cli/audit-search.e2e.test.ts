import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditTrail, openPostgresAuditStore } from '@gatehouse/audit';
import type { Action, AuditSink, Decision } from '@gatehouse/core';
import { createGatewayTokenVerifier, issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { silentLogger } from '@gatehouse/proxy';
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminServer } from '../admin/admin-server.js';
import type { RunningAdminServer } from '../admin/admin-server.js';
import { main } from '../main.js';
import { LiveSessions } from '../runtime/live-sessions.js';

function read(operation: string, table: string, redactedText: string): Action {
  return { dialect: 'postgres', category: 'read', operation, objects: [{ name: table, kind: 'table', access: 'read' }], flags: [], fingerprint: redactedText.toLowerCase(), redactedText };
}

function allow(rule: string): Decision {
  return { effect: 'allow', rules: [rule], reason: `allowed by ${rule}`, risk: { score: 1, factors: [] }, obligations: { audit: 'standard' }, observed: [] };
}

/**
 * `gatehouse audit search --rewritten | --not-rewritten`, through the admin API (the `rewritten`
 * query parameter) and straight on the store (--config), on a real PostgreSQL trail. Statements are
 * recorded through the trail's own sinks, as the gateway records them.
 */
describe('gatehouse audit search: the rewritten filter and the result in the human output', () => {
  let server: PostgresServer;
  let trail: AuditTrail;
  let admin: RunningAdminServer;
  let dir: string;
  let configFile: string;
  let auth: string[];

  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (text) => out.push(text), err: (text) => err.push(text) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const statementIds = (json: string): string[] => (JSON.parse(json) as { events: { statementId?: string }[] }).events.map((event) => event.statementId ?? '-').sort();

  beforeAll(async () => {
    server = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-search-'));
    const connectionString = server.connectionString({ sslmode: 'disable' });
    // A long combining window: the folded result must not depend on how loaded the machine is.
    trail = new AuditTrail({ store: await openPostgresAuditStore({ connectionString }), recorder: { combineWithinMs: 60_000 } });

    const session = (sink: AuditSink, sessionId: string) =>
      sink.onSessionStart({
        sessionId,
        principal: { id: 'rita', groups: ['regional'], kind: 'human', via: 'gateway-token' },
        target: { connection: 'orders', environment: 'prod', dialect: 'postgres', database: 'app' },
        clientAddress: '127.0.0.1',
        tls: true,
        startedAt: new Date(),
      });
    const fast = trail.sink('async');
    const durable = trail.sink('before-forward');
    await session(fast, 's-async');
    await session(durable, 's-durable');
    // Row-filtered, async: the result folds into the statement record.
    await fast.onQuery({
      sessionId: 's-async',
      statementId: 'q-filtered',
      at: new Date(),
      actions: [read('SELECT', 'app.public.customers', 'SELECT name FROM customers')],
      decision: allow('regional-reads'),
      rewrittenText: 'SELECT name FROM (SELECT * FROM customers WHERE region = ?) AS customers',
    });
    await fast.onResult({ sessionId: 's-async', statementId: 'q-filtered', rowsReturned: 3, durationMs: 4, outcome: 'ok' });
    // Forwarded as sent, before-forward: its result is a statement.result event of its own.
    await durable.onQuery({ sessionId: 's-durable', statementId: 'q-plain', at: new Date(), actions: [read('SELECT', 'app.public.orders', 'SELECT id FROM orders')], decision: allow('app-reads') });
    await durable.onResult({ sessionId: 's-durable', statementId: 'q-plain', rowsReturned: 2, durationMs: 1, outcome: 'ok' });
    await fast.onSessionEnd('s-async', new Date());
    await durable.onSessionEnd('s-durable', new Date());
    await trail.drain();

    const key = await loadOrCreateSigningKey(join(dir, 'gateway.pem'));
    const verifier = createGatewayTokenVerifier({ publicKey: key.publicKey });
    admin = await startAdminServer({
      listen: { host: '127.0.0.1', port: 0 },
      authenticate: ({ credential }) => verifier.verify(credential),
      roleGroups: { admin: [], approver: [], auditor: [] },
      trail,
      sessions: new LiveSessions(),
      gateway: { sessionIds: () => [], terminate: () => false },
      logger: silentLogger(),
    });
    auth = ['--url', admin.url, '--token', await issueGatewayToken(key, { user: 'audrey', groups: ['security'], kind: 'human', ttl: '1h', attributes: { roles: 'auditor' } })];

    writeFileSync(join(dir, 'policy.yaml'), 'version: 1\nrules: []\n');
    configFile = join(dir, 'gatehouse.yaml');
    writeFileSync(
      configFile,
      `policy: policy.yaml
identity: { signingKey: gateway.pem }
connections:
  - { name: orders, dialect: postgres, environment: prod, listen: "127.0.0.1:0", allowPlaintextOnLoopback: true,
      upstream: { host: 127.0.0.1, port: ${server.port}, database: app, user: u, password: unused, tls: { mode: disable } } }
audit:
  store: postgres
  connectionString: ${connectionString}
`,
    );
  }, 180_000);

  afterAll(async () => {
    await admin?.close();
    await trail?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('--rewritten and --not-rewritten reach the admin API as rewritten=true|false and select the statements', async () => {
    const only = await cli(['audit', 'search', '--rewritten', '--json', ...auth]);
    expect(only.err).toBe('');
    expect(statementIds(only.out)).toEqual(['q-filtered']);
    const [filtered] = (JSON.parse(only.out) as { events: Record<string, unknown>[] }).events;
    expect(filtered).toMatchObject({ rewritten: true, rewrittenText: 'SELECT name FROM (SELECT * FROM customers WHERE region = ?) AS customers', result: { outcome: 'ok', rowsReturned: 3 } });
    // Only statements are either; the statement.result, session and admin events are neither.
    expect(statementIds((await cli(['audit', 'search', '--not-rewritten', '--json', ...auth])).out)).toEqual(['q-plain']);
    // Without the switch nothing is narrowed: both statements and q-plain's result.
    expect(statementIds((await cli(['audit', 'search', '--type', 'statement,statement.result', '--json', ...auth])).out)).toEqual(['q-filtered', 'q-plain', 'q-plain']);
    // The filter combines with the others (AND).
    expect(statementIds((await cli(['audit', 'search', '--rewritten', '--table', '*.orders', '--json', ...auth])).out)).toEqual([]);
  });

  it('the admin API refuses a rewritten value other than true or false instead of ignoring it', async () => {
    const response = await fetch(`${admin.url}/v1/audit/events?rewritten=yes`, { headers: { authorization: `Bearer ${auth[3]!}` } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'admin.bad-request', message: 'rewritten must be true or false' });
    const documented = (await (await fetch(`${admin.url}/openapi.json`)).json()) as { paths: Record<string, { get: { parameters: { name: string }[] } }> };
    expect(documented.paths['/v1/audit/events']!.get.parameters.map((parameter) => parameter.name)).toContain('rewritten');
  });

  it('the human output shows that a statement was rewritten and its result', async () => {
    const { code, out } = await cli(['audit', 'search', '--type', 'statement,statement.result', ...auth]);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines.find((line) => line.includes('customers'))).toMatch(/\tstatement\trita\torders\tallow regional-reads \[rewritten\] SELECT name FROM customers => ok 3 rows returned$/);
    expect(lines.find((line) => line.includes('FROM orders'))).toMatch(/\tstatement\trita\torders\tallow app-reads SELECT id FROM orders$/);
    expect(lines.find((line) => line.includes('\tstatement.result\t'))).toMatch(/\tstatement\.result\trita\torders\tok 2 rows returned$/);
  });

  it('the switches work straight on the store (--config), and are refused together or with a value', async () => {
    expect(statementIds((await cli(['audit', 'search', '--rewritten', '--json', '--config', configFile])).out)).toEqual(['q-filtered']);
    expect(statementIds((await cli(['audit', 'search', '--not-rewritten', '--json', '--config', configFile])).out)).toEqual(['q-plain']);
    const both = await cli(['audit', 'search', '--rewritten', '--not-rewritten', ...auth]);
    expect(both).toMatchObject({ code: 2, err: expect.stringContaining('give --rewritten or --not-rewritten, not both') });
    const valued = await cli(['audit', 'search', '--rewritten=false', ...auth]);
    expect(valued.code).toBe(2);
    expect(valued.err).toContain("'--rewritten' does not take an argument");
  });
});
