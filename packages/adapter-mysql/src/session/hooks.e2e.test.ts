import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import type { GateResult, SessionHooks, StatementOutcome } from '@gatehouse/proxy';
import { decisionGate } from '@gatehouse/proxy';
import { startMariadb } from '@gatehouse/testkit';
import type { MariadbServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';

const POLICY = `
version: 1
rules:
  - id: unbounded-review
    effect: review
    when: { action: { category: [write], flags: [unbounded] } }
    review: { approvers: { groups: [dba] }, mode: hold, timeout: 15m }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

/**
 * The dialect-neutral hooks as the MySQL relay drives them: the same gate (approval holds, audit
 * before forwarding) and session events as for PostgreSQL, so audit, approvals and telemetry plug in
 * once for every dialect.
 */
describe('session hooks through the MySQL relay', () => {
  let server: MariadbServer;
  let gateway: TestGateway;
  let gateFor: (text: string, outcome: StatementOutcome) => GateResult | Promise<GateResult> = (_text, outcome) => decisionGate(outcome);
  const events: string[] = [];

  const hooks: SessionHooks = {
    sessionStarted: (session) => void events.push(`start:${session.principal.id}:${session.target.dialect}`),
    gate: (_session, outcome) => gateFor(outcome.actions.map((action) => action.redactedText).join(';'), outcome),
    sessionEnded: (session) => void events.push(`end:${session.principal.id}`),
  };

  async function client(): Promise<mysql.Connection> {
    const connection = await mysql.createConnection({
      host: 'localhost',
      port: gateway.port,
      user: 'carl',
      password: await gateway.token('carl', ['app']),
      database: 'app',
      ssl: { ca: gateway.cert },
    });
    connection.on('error', () => undefined);
    return connection;
  }

  beforeAll(async () => {
    server = await startMariadb();
    const direct = await mysql.createConnection({
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      database: server.database,
      ...(server.caCertFile ? { ssl: { ca: readFileSync(server.caCertFile, 'utf8') } } : {}),
    });
    await direct.query('CREATE TABLE notes (id int AUTO_INCREMENT PRIMARY KEY, body varchar(50))');
    await direct.end();
    gateway = await startTestGateway(server, POLICY, { hooks });
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  beforeEach(() => {
    gateFor = (_text, outcome) => decisionGate(outcome);
  });

  it('waits for an asynchronous gate, then runs the statement', async () => {
    gateFor = (_text, outcome) => new Promise((resolve) => setTimeout(() => resolve(decisionGate(outcome)), 150));
    const c = await client();
    const started = performance.now();
    const [rows] = await c.query('SELECT 41 + 1 AS answer');
    expect((rows as { answer: number }[])[0]?.answer).toBe(42);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await c.end();
  });

  it('runs an approved review statement and refuses a denied one with ERR 1142', async () => {
    const c = await client();
    await c.query("INSERT INTO notes (body) VALUES ('a')");
    gateFor = (text, outcome) => (text.startsWith('DELETE') ? { proceed: true } : decisionGate(outcome));
    await c.query('DELETE FROM notes');
    await c.query("INSERT INTO notes (body) VALUES ('b')");
    gateFor = (text, outcome) =>
      text.startsWith('DELETE') ? { proceed: false, reason: 'approval-denied', message: 'denied by dora' } : decisionGate(outcome);
    await expect(c.query('DELETE FROM notes')).rejects.toMatchObject({ errno: 1142, message: expect.stringContaining('approval denied') });
    const [rows] = await c.query('SELECT COUNT(*) AS n FROM notes');
    expect(Number((rows as { n: number }[])[0]?.n)).toBe(1);
    await c.end();
  });

  it('refuses, and never forwards, when the gate fails; commands keep their order', async () => {
    const c = await client();
    gateFor = (text, outcome) => (text.startsWith('INSERT') ? Promise.reject(new Error('audit store down')) : decisionGate(outcome));
    const failed = c.query("INSERT INTO notes (body) VALUES ('never')");
    const after = c.query("SELECT COUNT(*) AS n FROM notes WHERE body = 'never'");
    await expect(failed).rejects.toMatchObject({ errno: 1142 });
    const [rows] = await after;
    expect(Number((rows as { n: number }[])[0]?.n)).toBe(0);
    await c.end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events).toContain('start:carl:mysql');
    expect(events).toContain('end:carl');
  });
});
