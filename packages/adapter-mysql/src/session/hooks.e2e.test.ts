import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import type { CompletedStatement, GateResult, SessionHooks, StatementOutcome } from '@gatehouse/proxy';
import { decisionGate } from '@gatehouse/proxy';
import { startMariadb } from '@gatehouse/testkit';
import type { MariadbServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Capability, Command } from '../protocol/constants.js';
import { encodeCommandText } from '../protocol/messages/commands.js';
import { isResultSetTerminator } from '../protocol/messages/generic.js';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { endsSimpleResponse, openRawClient, RAW_CLIENT_CAPABILITIES } from '../testing/raw-client.js';
import { collect, CURSOR_TYPE_READ_ONLY, execute, fetch, prepare } from '../testing/raw-statements.js';

const POLICY = `
version: 1
rules:
  - id: unbounded-review
    effect: review
    when: { action: { category: [write], flags: [unbounded] } }
    review: { approvers: { groups: [dba] }, mode: hold, timeout: 15m }
  - id: masked-read
    effect: allow
    when: { principal: { groups: [masked] }, action: { category: [read] } }
    mask:
      columns: { "**.items.secret": partial }
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
  const completed: CompletedStatement[] = [];

  const hooks: SessionHooks = {
    sessionStarted: (session) => void events.push(`start:${session.principal.id}:${session.target.dialect}`),
    gate: (_session, outcome) => gateFor(outcome.actions.map((action) => action.redactedText).join(';'), outcome),
    sessionEnded: (session) => void events.push(`end:${session.principal.id}`),
    statementCompleted: (_session, statement) => void completed.push(statement),
  };

  async function client(user = 'carl', groups = ['app']): Promise<mysql.Connection> {
    const connection = await mysql.createConnection({
      host: 'localhost',
      port: gateway.port,
      user,
      password: await gateway.token(user, groups),
      database: 'app',
      ssl: { ca: gateway.cert },
      multipleStatements: true,
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
    await direct.query('CREATE TABLE items (id int PRIMARY KEY, secret varchar(50))');
    await direct.query("INSERT INTO items VALUES (1, 'alpha-secret-1'), (2, 'bravo-secret-2'), (3, 'charlie-secret-3')");
    await direct.end();
    gateway = await startTestGateway(server, POLICY, { hooks });
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  beforeEach(() => {
    gateFor = (_text, outcome) => decisionGate(outcome);
    completed.length = 0;
  });

  /** What a completion says, without the outcome (asserted separately) or the timing. */
  const summary = ({ result, rows, errorCode, maskedValues }: CompletedStatement) => ({ result, rows, errorCode, maskedValues });
  const textOf = (statement: CompletedStatement) => statement.outcome.actions.map((action) => action.redactedText).join('; ');

  it('reports every statement once complete: rows returned or affected, the errno (never the message), duration', async () => {
    const c = await client();
    await c.query("INSERT INTO notes (body) VALUES ('c1'), ('c2')");
    await c.query('SELECT id FROM items ORDER BY id');
    await expect(c.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ errno: 1146 });
    // One COM_QUERY with three statements: one completion, its result sets' rows and the UPDATE's affected rows summed.
    await c.query("SELECT 1 AS a; UPDATE notes SET body = 'c3' WHERE body = 'c1'; SELECT id FROM items WHERE id < 3");
    await c.end();
    expect(completed.map(summary)).toEqual([
      { result: 'ok', rows: 2, errorCode: undefined, maskedValues: 0 },
      { result: 'ok', rows: 3, errorCode: undefined, maskedValues: 0 },
      { result: 'error', rows: undefined, errorCode: '1146', maskedValues: 0 },
      { result: 'ok', rows: 1 + 1 + 2, errorCode: undefined, maskedValues: 0 },
    ]);
    expect(completed.map(textOf)[1]).toMatch(/^SELECT id FROM items/);
    expect(completed[3]!.outcome.actions).toHaveLength(3);
    for (const statement of completed) {
      expect(statement.durationMs).toBeGreaterThanOrEqual(0);
      expect(statement.durationMs).toBeLessThan(60_000);
    }
    expect(JSON.stringify(completed)).not.toContain("doesn't exist");
  });

  it('reports a refused statement as blocked, without forwarding it', async () => {
    const c = await client();
    gateFor = (text, outcome) => (text.startsWith('DELETE') ? { proceed: false, reason: 'approval-denied', message: 'denied' } : decisionGate(outcome));
    await expect(c.query('DELETE FROM items')).rejects.toMatchObject({ errno: 1142 });
    await c.end();
    const reader = await client('mia', ['masked']);
    await expect(reader.query("INSERT INTO items VALUES (9, 'never')")).rejects.toMatchObject({ errno: 1142 }); // default deny
    const [rows] = await reader.query('SELECT COUNT(*) AS n FROM items');
    expect(Number((rows as { n: number }[])[0]?.n)).toBe(3);
    await reader.end();
    expect(completed.map(summary)).toEqual([
      { result: 'blocked', rows: undefined, errorCode: undefined, maskedValues: 0 },
      { result: 'blocked', rows: undefined, errorCode: undefined, maskedValues: 0 },
      { result: 'ok', rows: 1, errorCode: undefined, maskedValues: 0 },
    ]);
  });

  it('counts masked values, and reports a prepared statement at PREPARE and at every EXECUTE', async () => {
    const c = await client('mia', ['masked']);
    const [masked] = await c.query('SELECT id, secret FROM items ORDER BY id');
    expect((masked as { secret: string }[]).map((row) => row.secret)).not.toContain('alpha-secret-1');
    const [first] = await c.execute('SELECT secret FROM items WHERE id >= ?', [2]);
    const [second] = await c.execute('SELECT secret FROM items WHERE id >= ?', [1]);
    expect([(first as unknown[]).length, (second as unknown[]).length]).toEqual([2, 3]);
    await c.end();
    const [query, prepared, firstRun, secondRun] = completed;
    expect(completed).toHaveLength(4);
    expect(summary(query!)).toEqual({ result: 'ok', rows: 3, errorCode: undefined, maskedValues: 3 });
    expect(summary(prepared!)).toEqual({ result: 'ok', rows: undefined, errorCode: undefined, maskedValues: 0 });
    expect(summary(firstRun!)).toEqual({ result: 'ok', rows: 2, errorCode: undefined, maskedValues: 2 });
    expect(summary(secondRun!)).toEqual({ result: 'ok', rows: 3, errorCode: undefined, maskedValues: 3 });
    // Executions report the outcome the PREPARE was decided (and gated) with.
    expect(firstRun!.outcome).toBe(prepared!.outcome);
    expect(secondRun!.outcome).toBe(prepared!.outcome);
  });

  for (const deprecateEof of [true, false]) {
    it(`reports COM_INIT_DB, cursor EXECUTE and each COM_STMT_FETCH (DEPRECATE_EOF ${deprecateEof ? 'on' : 'off'})`, async () => {
      const capabilities = deprecateEof ? RAW_CLIENT_CAPABILITIES : RAW_CLIENT_CAPABILITIES & ~Capability.DEPRECATE_EOF;
      const raw = await openRawClient(gateway.port, gateway.cert, 'carl', await gateway.token('carl', ['app']), capabilities);
      const terminator = (packet: { payload: Buffer }) => isResultSetTerminator(packet.payload, deprecateEof);
      try {
        const [ok] = await raw.request(encodeCommandText(Command.INIT_DB, 'app'), endsSimpleResponse);
        expect(ok!.payload[0]).toBe(0);
        const [missing] = await raw.request(encodeCommandText(Command.INIT_DB, 'no_such_db'), endsSimpleResponse);
        expect(missing!.payload[0]).toBe(0xff);
        const statement = await prepare(raw, 'SELECT id FROM items ORDER BY id', deprecateEof);
        await collect(raw, execute(statement.id, CURSOR_TYPE_READ_ONLY, []), terminator);
        const batch = await collect(raw, fetch(statement.id, 2), terminator);
        expect(batch).toHaveLength(3);
        await collect(raw, fetch(statement.id, 2), terminator);
      } finally {
        raw.end();
      }
      expect(completed.map((statement) => [textOf(statement), summary(statement)])).toEqual([
        ['USE app', { result: 'ok', rows: undefined, errorCode: undefined, maskedValues: 0 }],
        ['USE no_such_db', { result: 'error', rows: undefined, errorCode: '1044', maskedValues: 0 }],
        ['SELECT id FROM items ORDER BY id', { result: 'ok', rows: undefined, errorCode: undefined, maskedValues: 0 }],
        ['SELECT id FROM items ORDER BY id', { result: 'ok', rows: undefined, errorCode: undefined, maskedValues: 0 }],
        ['SELECT id FROM items ORDER BY id', { result: 'ok', rows: 2, errorCode: undefined, maskedValues: 0 }],
        ['SELECT id FROM items ORDER BY id', { result: 'ok', rows: 1, errorCode: undefined, maskedValues: 0 }],
      ]);
    });
  }

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
