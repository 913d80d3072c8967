import pg from 'pg';
import type { CompletedStatement, GateResult, HookSession, SessionHooks, StatementOutcome } from '@gatehouse/proxy';
import { decisionGate } from '@gatehouse/proxy';
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeBind, encodeExecute, encodeParse, encodeSync } from '../protocol/messages/extended.js';
import { encodeQuery } from '../protocol/messages/query.js';
import { encodeTerminate } from '../protocol/messages/session.js';
import { connectDirect, openRawClient, startTestGateway } from '../testing/gateway-harness.js';
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
 * The dialect-neutral hooks as the PostgreSQL relay drives them: a gate that may wait or refuse
 * before anything is forwarded (audit before-forward, approval holds), and completion events.
 */
describe('session hooks through the PostgreSQL relay', () => {
  let server: PostgresServer;
  let gateway: TestGateway;
  /** What the gate does next, per statement text (a test sets it). */
  let gateFor: (text: string, outcome: StatementOutcome) => GateResult | Promise<GateResult> = (_text, outcome) => decisionGate(outcome);
  const completed: CompletedStatement[] = [];
  const sessions: string[] = [];

  const hooks: SessionHooks = {
    sessionStarted: (session) => void sessions.push(`start:${session.principal.id}`),
    gate: (_session: HookSession, outcome) => gateFor(outcome.actions.map((action) => action.redactedText).join(';'), outcome),
    statementCompleted: (_session, event) => void completed.push(event),
    sessionEnded: (session) => void sessions.push(`end:${session.principal.id}`),
  };

  async function client(): Promise<pg.Client> {
    const c = new pg.Client({ host: 'localhost', port: gateway.port, user: 'carl', password: await gateway.token('carl', ['app']), database: 'app', ssl: { ca: gateway.cert } });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }

  beforeAll(async () => {
    server = await startPostgres();
    const admin = await connectDirect(server);
    await admin.query('CREATE TABLE notes (id serial PRIMARY KEY, body text)');
    await admin.end();
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

  it('waits for an asynchronous gate, then runs the statement', async () => {
    gateFor = (_text, outcome) => new Promise((resolve) => setTimeout(() => resolve(decisionGate(outcome)), 150));
    const c = await client();
    const started = performance.now();
    const { rows } = await c.query('SELECT 41 + 1 AS answer');
    expect(rows[0].answer).toBe(42);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await c.end();
  });

  it('lets an approved review statement run and refuses a denied one natively', async () => {
    const c = await client();
    gateFor = (text, outcome) => (text.startsWith('DELETE') ? { proceed: true } : decisionGate(outcome));
    await c.query("INSERT INTO notes (body) VALUES ('a')");
    await c.query('DELETE FROM notes'); // review → approved by the gate
    gateFor = (text, outcome) =>
      text.startsWith('DELETE') ? { proceed: false, reason: 'approval-denied', message: 'denied by dora' } : decisionGate(outcome);
    await c.query("INSERT INTO notes (body) VALUES ('b')");
    await expect(c.query('DELETE FROM notes')).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('approval denied') });
    const { rows } = await c.query('SELECT count(*)::int AS n FROM notes');
    expect(rows[0].n).toBe(1);
    await c.end();
  });

  it('refuses, and never forwards, when the gate fails', async () => {
    const c = await client();
    gateFor = (text, outcome) => (text.startsWith('INSERT') ? Promise.reject(new Error('audit store down')) : decisionGate(outcome));
    await expect(c.query("INSERT INTO notes (body) VALUES ('never')")).rejects.toMatchObject({ code: '58000' });
    gateFor = (_text, outcome) => decisionGate(outcome);
    const { rows } = await c.query("SELECT count(*)::int AS n FROM notes WHERE body = 'never'");
    expect(rows[0].n).toBe(0);
    await c.end();
  });

  it('keeps pipelined requests in order behind a slow gate', async () => {
    let calls = 0;
    gateFor = (_text, outcome) => (++calls === 1 ? new Promise((resolve) => setTimeout(() => resolve(decisionGate(outcome)), 100)) : decisionGate(outcome));
    const raw = await openRawClient(gateway, 'carl', await gateway.token('carl', ['app']));
    const frames = await raw.request([
      encodeParse('', 'SELECT 1 AS first'),
      encodeBind({ portal: '', statement: '' }),
      encodeExecute(''),
      encodeParse('', 'SELECT 2 AS second'),
      encodeBind({ portal: '', statement: '' }),
      encodeExecute(''),
      encodeSync(),
    ]);
    raw.end();
    expect(frames.map((frame) => String.fromCharCode(frame.code)).join('')).toBe('12DC12DCZ');
    const values = frames.filter((frame) => frame.code === 0x44).map((frame) => frame.payload.subarray(6).toString());
    expect(values).toEqual(['1', '2']);
  });

  it('reports a refused statement as blocked even when the client hangs up before ReadyForQuery', async () => {
    const raw = await openRawClient(gateway, 'carl', await gateway.token('carl', ['app']));
    // As node-postgres may: the refusal's ErrorResponse is enough for it, Terminate follows at once.
    raw.socket.write(Buffer.concat([encodeQuery('DELETE FROM notes'), encodeTerminate()]));
    await raw.closed;
    await expect.poll(() => completed.map((event) => [event.outcome.actions[0]?.operation, event.result]), { timeout: 5_000 }).toEqual([['DELETE', 'blocked']]);
  });

  it('reports each completed request with rows, result and error code, and session start/end', async () => {
    const c = await client();
    await c.query("INSERT INTO notes (body) VALUES ('x'), ('y')");
    await c.query('SELECT * FROM notes');
    await expect(c.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });
    await expect(c.query('DELETE FROM notes')).rejects.toMatchObject({ code: '42501' });
    await c.query({ text: 'SELECT body FROM notes WHERE body = $1', values: ['x'] });
    await c.end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const summary = completed.map((event) => [event.outcome.actions[0]?.operation, event.result, event.rows ?? null, event.errorCode ?? null]);
    expect(summary).toEqual([
      ['INSERT', 'ok', 2, null],
      ['SELECT', 'ok', expect.any(Number), null],
      ['SELECT', 'error', null, '42P01'],
      ['DELETE', 'blocked', null, null],
      ['SELECT', 'ok', 1, null],
    ]);
    expect(completed.every((event) => event.durationMs >= 0)).toBe(true);
    expect(sessions).toContain('start:carl');
    expect(sessions).toContain('end:carl');
  });
});
