import type { CompletedStatement, GateResult, SessionHooks, StatementOutcome } from '@gatehouse/proxy';
import { decisionGate } from '@gatehouse/proxy';
import { startMssql } from '@gatehouse/testkit';
import type { MssqlServer } from '@gatehouse/testkit';
import type { Connection } from 'tedious';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { closeTedious, connectTedious, sql } from '../testing/tedious.js';
import type { TediousError } from '../testing/tedious.js';

const POLICY = `
version: 1
rules:
  - id: unbounded-review
    effect: review
    when: { action: { category: [write], flags: [unbounded] } }
    review: { approvers: { groups: [dba] }, mode: hold, timeout: 15m }
  - id: analysts-read
    effect: allow
    when: { principal: { groups: [analysts] }, action: { category: [read] } }
    mask:
      columns: { "**.notes.body": redact }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/**
 * The dialect-neutral hooks as the SQL Server relay drives them: the gate (approval holds, audit
 * before forwarding), completion events with rows and error numbers, trace context upstream, the
 * session events, and the forwardText a row-filter rewrite supplies.
 */
describe('session hooks through the SQL Server relay', () => {
  let server: MssqlServer;
  let gateway: TestGateway;
  let gateFor: (text: string, outcome: StatementOutcome, signal?: AbortSignal) => GateResult | Promise<GateResult> = (_text, outcome) => decisionGate(outcome);
  let trace: string | undefined;
  const events: string[] = [];
  const completed: CompletedStatement[] = [];
  const open: Connection[] = [];

  const hooks: SessionHooks = {
    sessionStarted: (session) => void events.push(`start:${session.principal.id}:${session.target.dialect}:${session.target.database}`),
    statementDecided: (_session, outcome) => void events.push(`decided:${outcome.actions[0]?.operation}`),
    gate: (_session, outcome, signal) => gateFor(outcome.actions.map((action) => action.redactedText).join(';'), outcome, signal),
    gateSettled: (_session, _outcome, result) => void events.push(`settled:${result.proceed ? 'proceed' : result.reason}`),
    statementCompleted: (_session, statement) => void completed.push(statement),
    traceContext: () => trace,
    sessionEnded: (session, _endedAt, traffic) => void events.push(`end:${session.principal.id}:${(traffic?.clientBytesIn ?? 0) > 0}`),
    authenticated: (attempt, outcome) => void events.push(`authenticated:${attempt.dialect}:${outcome.ok}:${outcome.principal?.id ?? outcome.errorType}`),
    upstreamConnected: (_attempt, outcome) => void events.push(`upstream:${outcome.ok}:${outcome.serverPort}`),
    // Awaited before the client hears 18456, so a durable audit record comes first.
    authenticationRefused: async (_attempt, refusal) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      events.push(`refused:${refusal.claimedUser}:${refusal.reason}:${refusal.tls}`);
    },
  };

  async function client(groups = ['app'], user = 'carl'): Promise<Connection> {
    const connection = await connectTedious(gateway.port, { user, password: await gateway.token(user, groups), ca: gateway.cert });
    open.push(connection);
    return connection;
  }

  beforeAll(async () => {
    server = await startMssql();
    gateway = await startTestGateway(server, POLICY, {
      hooks,
      // As a row-filter rewrite would: the statement forwarded is not the one the client sent.
      decorate: (outcome, text) => (text.includes('rewrite-me') ? { ...outcome, forwardText: 'SELECT 7 AS rewritten' } : outcome),
    });
    const setup = await client();
    await sql(setup, "IF OBJECT_ID(N'notes', N'U') IS NOT NULL DROP TABLE notes");
    await sql(setup, 'CREATE TABLE notes (id int NOT NULL PRIMARY KEY, body nvarchar(100) NULL)');
  }, 120_000);

  afterAll(async () => {
    await Promise.all(open.map(closeTedious));
    await gateway?.stop();
    await server?.stop();
  });

  beforeEach(() => {
    gateFor = (_text, outcome) => decisionGate(outcome);
    trace = undefined;
    completed.length = 0;
  });

  it('waits for an asynchronous gate, then runs the statement', async () => {
    gateFor = (_text, outcome) => new Promise((resolve) => setTimeout(() => resolve(decisionGate(outcome)), 150));
    const c = await client();
    const started = performance.now();
    const result = await sql(c, 'SELECT 41 + 1 AS answer');
    expect(result.rows).toEqual([[42]]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('cancels a statement held by the gate (Attention): it never runs, the gate is told, and the session carries on', async () => {
    let heldSignal: AbortSignal | undefined;
    gateFor = (text, outcome, signal) => {
      if (!text.startsWith('INSERT')) return decisionGate(outcome);
      heldSignal = signal;
      return new Promise<GateResult>((resolve) => setTimeout(() => resolve(decisionGate(outcome)), 2_000));
    };
    const c = await client();
    const running = sql(c, "INSERT INTO notes (id, body) VALUES (9, N'held')").then(
      () => undefined,
      (error: unknown) => error as TediousError,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    c.cancel();
    const error = await running;
    expect(error?.code).toBe('ECANCEL');
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(heldSignal?.aborted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // the gate answers after the cancel
    expect((await sql(c, 'SELECT COUNT(*) AS n FROM notes WHERE id = 9')).rows).toEqual([[0]]);
  });

  it('runs an approved review statement and refuses a denied one with ERROR 229', async () => {
    const c = await client();
    await sql(c, "INSERT INTO notes (id, body) VALUES (1, N'a')");
    gateFor = (text, outcome) => (text.startsWith('DELETE') ? { proceed: true } : decisionGate(outcome));
    await sql(c, 'DELETE FROM notes');
    await sql(c, "INSERT INTO notes (id, body) VALUES (2, N'b')");
    gateFor = (text, outcome) => (text.startsWith('DELETE') ? { proceed: false, reason: 'approval-denied', message: 'denied by dora' } : decisionGate(outcome));
    const error = (await sql(c, 'DELETE FROM notes').catch((e: unknown) => e)) as TediousError;
    expect(error.number).toBe(229);
    expect(error.message).toContain('approval denied (unbounded-review): denied by dora');
    expect((await sql(c, 'SELECT COUNT(*) AS n FROM notes')).rows).toEqual([[1]]);
    expect(events).toContain('settled:approval-denied');
  });

  it('refuses, and never forwards, when the gate fails; the session carries on', async () => {
    const c = await client();
    gateFor = (text, outcome) => (text.startsWith('INSERT') ? Promise.reject(new Error('audit store down')) : decisionGate(outcome));
    const error = (await sql(c, "INSERT INTO notes (id, body) VALUES (3, N'never')").catch((e: unknown) => e)) as TediousError;
    expect(error.number).toBe(229);
    expect(error.message).toMatch(/audit trail could not record it/);
    expect((await sql(c, 'SELECT COUNT(*) AS n FROM notes WHERE id = 3')).rows).toEqual([[0]]);
    expect(events).toContain('settled:audit-unavailable');
  });

  it('reports completions with rows, error numbers and masked values', async () => {
    const analyst = await client(['analysts'], 'ana');
    await sql(analyst, 'SELECT id, body FROM notes', 'execSql');
    const c = await client();
    await sql(c, 'SELECT * FROM no_such_table').catch(() => undefined);
    const read = completed.find((statement) => statement.outcome.actions[0]?.objects[0]?.name.endsWith('.notes'));
    expect(read).toMatchObject({ result: 'ok', rows: 1, maskedValues: 1 });
    const failed = completed.find((statement) => statement.result === 'error');
    expect(failed?.errorCode).toBe('208');
  });

  it('carries the traceparent upstream as a trailing sqlcommenter comment', async () => {
    trace = TRACEPARENT;
    const c = await client();
    expect((await sql(c, 'SELECT 5 AS five')).rows).toEqual([[5]]);
    expect((await sql(c, 'SELECT 6 AS six', 'execSql')).rows).toEqual([[6]]);
    if (server.kind !== 'tds-test-server') return; // only the stand-in reports what it received
    const texts = server.events.map((event) => String(event['text'] ?? event['statement'] ?? ''));
    expect(texts).toContain(`SELECT 5 AS five /*traceparent='${TRACEPARENT}'*/`);
    expect(texts).toContain(`SELECT 6 AS six /*traceparent='${TRACEPARENT}'*/`);
  });

  it('forwards the decision’s forwardText instead of the client’s text (SQLBatch and sp_executesql)', async () => {
    const c = await client();
    expect((await sql(c, "SELECT 1 AS original /* rewrite-me */")).rows).toEqual([[7]]);
    expect((await sql(c, "SELECT 1 AS original /* rewrite-me */", 'execSql')).rows).toEqual([[7]]);
  });

  it('reports authentication and the upstream login, and records a refusal before the client hears 18456', async () => {
    await client(['app'], 'gus');
    expect(events).toContain('authenticated:mssql:true:gus');
    expect(events).toContain(`upstream:true:${server.port}`);
    const started = performance.now();
    const refused = await connectTedious(gateway.port, { user: 'gus', password: 'not-a-token', ca: gateway.cert }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(events.some((event) => event.startsWith('refused:gus:') && event.endsWith(':true'))).toBe(true);
    expect(events.some((event) => event.startsWith('authenticated:mssql:false:'))).toBe(true);
  });

  it('starts and ends sessions through the hooks', async () => {
    const c = await client(['app'], 'eve');
    await sql(c, 'SELECT 1 AS one');
    await closeTedious(c);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events).toContain(`start:eve:mssql:${server.database}`);
    expect(events).toContain('end:eve:true');
  });
});
