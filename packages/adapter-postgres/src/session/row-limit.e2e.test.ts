import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { CompletedStatement, SessionHooks } from '@gatehouse/proxy';
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BackendCode } from '../protocol/codes.js';
import type { Frame } from '../protocol/frame.js';
import { decodeErrorResponse, decodeNoticeResponse } from '../protocol/messages/error-notice.js';
import { encodeBind, encodeClose, encodeExecute, encodeParse, encodeSync } from '../protocol/messages/extended.js';
import { decodeCommandComplete, encodeQuery } from '../protocol/messages/query.js';
import { connectDirect, openRawClient, startTestGateway } from '../testing/gateway-harness.js';
import type { RawClient, TestGateway } from '../testing/gateway-harness.js';
import { runPsql } from '../testing/psql-runner.js';

const POLICY = `
version: 1
rules:
  - id: agents-see-1000-rows
    effect: allow
    when: { principal: { groups: [agents] } }
    limit: { rows: 1000 }
  - id: masked-agents-see-10-rows
    effect: allow
    when: { principal: { groups: [masked-agents] } }
    mask: { columns: { "*.*.events.body": redact } }
    limit: { rows: 10 }
  - id: scoped-events-capped
    effect: allow
    when: { principal: { groups: [scoped] }, action: { objects: ["**.events"] } }
    limit: { rows: 1000 }
  - id: scoped-anything
    effect: allow
    when: { principal: { groups: [scoped] } }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

const TOTAL = 5_000;

/** What one request's frames add up to, in order: tags, notices, errors, rows per result. */
function summarize(frames: readonly Frame[]): { events: string[]; rows: number[]; notices: string[] } {
  const events: string[] = [];
  const rows: number[] = [];
  const notices: string[] = [];
  let count = 0;
  for (const frame of frames) {
    switch (frame.code) {
      case BackendCode.DataRow:
        count++;
        break;
      case BackendCode.CommandComplete:
        rows.push(count);
        count = 0;
        events.push(`complete:${decodeCommandComplete(frame).tag}`);
        break;
      case BackendCode.PortalSuspended:
        rows.push(count);
        count = 0;
        events.push('suspended');
        break;
      case BackendCode.NoticeResponse: {
        const message = decodeNoticeResponse(frame).message;
        notices.push(message);
        events.push('notice');
        break;
      }
      case BackendCode.ErrorResponse:
        events.push(`error:${decodeErrorResponse(frame).sqlState}`);
        break;
      default:
        break;
    }
  }
  return { events, rows, notices };
}

/**
 * The policy's `limit: { rows: N }` through the PostgreSQL relay: at most N rows per statement,
 * then a NoticeResponse and a CommandComplete that matches what the client got; the rest of the
 * result is drained and dropped, and the session carries on.
 */
describe('row limit through the PostgreSQL relay', () => {
  let server: PostgresServer;
  let gateway: TestGateway;
  let scratch: string;
  const completed: CompletedStatement[] = [];
  const hooks: SessionHooks = { statementCompleted: (_session, event) => void completed.push(event) };

  async function pgClient(user = 'ada', groups = ['agents']): Promise<{ client: pg.Client; notices: string[] }> {
    const client = new pg.Client({ host: 'localhost', port: gateway.port, user, password: await gateway.token(user, groups), database: 'app', ssl: { ca: gateway.cert } });
    const notices: string[] = [];
    client.on('notice', (notice) => notices.push(notice.message ?? ''));
    client.on('error', () => undefined);
    await client.connect();
    return { client, notices };
  }

  async function rawClient(user = 'ada', groups = ['agents']): Promise<RawClient> {
    return openRawClient(gateway, user, await gateway.token(user, groups));
  }

  beforeAll(async () => {
    server = await startPostgres();
    const owner = await connectDirect(server);
    await owner.query('CREATE TABLE events (id int PRIMARY KEY, body text NOT NULL)');
    await owner.query(`INSERT INTO events SELECT g, 'event ' || g FROM generate_series(1, ${TOTAL}) AS g`);
    await owner.end();
    gateway = await startTestGateway(server, POLICY, { hooks });
    scratch = mkdtempSync(join(tmpdir(), 'gatehouse-rowlimit-'));
    writeFileSync(join(scratch, 'gateway.crt'), gateway.cert);
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  beforeEach(() => {
    completed.length = 0;
  });

  it('cuts a 5,000-row simple query at 1,000 with a notice naming the rule, and the session carries on (pg)', async () => {
    const { client, notices } = await pgClient();
    const result = await client.query('SELECT id, body FROM events ORDER BY id');
    expect(result.rows).toHaveLength(1000);
    expect(result.rows.at(-1)).toEqual({ id: 1000, body: 'event 1000' });
    expect(result.command).toBe('SELECT');
    expect(result.rowCount).toBe(1000);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/result cut to 1000 rows by policy \(agents-see-1000-rows\)/);
    expect(notices[0]).not.toMatch(/event \d/);
    // The same session: a statement within the limit is untouched and says nothing.
    const count = await client.query('SELECT count(*)::int AS n FROM events');
    expect(count.rows).toEqual([{ n: TOTAL }]);
    expect(notices).toHaveLength(1);
    await client.end();
    // The audit/telemetry count is what the client got.
    const cut = completed.find((event) => event.outcome.actions[0]?.redactedText.startsWith('SELECT id, body'));
    expect(cut?.rows).toBe(1000);
    expect(cut?.result).toBe('ok');
  });

  it('cuts an extended-protocol query (parameters, unnamed portal) the same way', async () => {
    const { client, notices } = await pgClient();
    const result = await client.query({ text: 'SELECT id FROM events WHERE id > $1 ORDER BY id', values: [100] });
    expect(result.rows).toHaveLength(1000);
    expect(result.rows[0]).toEqual({ id: 101 });
    expect(result.rowCount).toBe(1000);
    expect(notices).toHaveLength(1);
    const again = await client.query({ text: 'SELECT id FROM events WHERE id <= $1', values: [3], rowMode: 'array' });
    expect(again.rows).toHaveLength(3);
    expect(notices).toHaveLength(1);
    await client.end();
  });

  it('counts per statement in a multi-statement query', async () => {
    const client = await rawClient();
    const frames = await client.request([encodeQuery('SELECT id FROM events; SELECT id FROM events WHERE id <= 5; SELECT id FROM events ORDER BY id DESC')]);
    const { events, rows } = summarize(frames);
    expect(rows).toEqual([1000, 5, 1000]);
    expect(events).toEqual(['notice', 'complete:SELECT 1000', 'complete:SELECT 5', 'notice', 'complete:SELECT 1000']);
    client.end();
  });

  it('counts a portal across Executes with a row count: 400 + 400 + 200, then nothing more', async () => {
    const client = await rawClient();
    await client.request([encodeParse('all_events', 'SELECT id FROM events ORDER BY id'), encodeSync()]);
    // A transaction keeps the named portal across Syncs, as cursor-style drivers do.
    await client.request([encodeQuery('BEGIN')]);
    const first = summarize(await client.request([encodeBind({ portal: 'p', statement: 'all_events' }), encodeExecute('p', 400), encodeSync()]));
    expect(first.events).toEqual(['suspended']);
    expect(first.rows).toEqual([400]);
    const second = summarize(await client.request([encodeExecute('p', 400), encodeSync()]));
    expect(second.events).toEqual(['suspended']);
    const third = summarize(await client.request([encodeExecute('p', 400), encodeSync()]));
    // The server suspended the portal again; the client is told it is complete, with what it got.
    expect(third.rows).toEqual([200]);
    expect(third.events).toEqual(['notice', 'complete:SELECT 200']);
    const fourth = summarize(await client.request([encodeExecute('p', 400), encodeSync()]));
    expect(fourth.rows).toEqual([0]);
    expect(fourth.events).toEqual(['notice', 'complete:SELECT 0']);
    // A new portal of the same statement has its own allowance.
    const fresh = summarize(await client.request([encodeClose('P', 'p'), encodeBind({ portal: 'p', statement: 'all_events' }), encodeExecute('p', 0), encodeSync()]));
    expect(fresh.rows).toEqual([1000]);
    expect(fresh.events).toEqual(['notice', 'complete:SELECT 1000']);
    const end = summarize(await client.request([encodeQuery('COMMIT')]));
    expect(end.events).toEqual(['complete:COMMIT']);
    client.end();
  });

  it('counts a SQL cursor across FETCHes, and a new DECLARE of the name starts over', async () => {
    const client = await rawClient();
    await client.request([encodeQuery('BEGIN; DECLARE c CURSOR FOR SELECT id FROM events ORDER BY id')]);
    const fetches = [];
    for (let i = 0; i < 3; i++) fetches.push(summarize(await client.request([encodeQuery('FETCH 600 FROM c')])));
    expect(fetches.map((fetch) => fetch.rows[0])).toEqual([600, 400, 0]);
    expect(fetches.map((fetch) => fetch.events)).toEqual([['complete:FETCH 600'], ['notice', 'complete:FETCH 400'], ['notice', 'complete:FETCH 0']]);
    // Another spelling of the same name is the same cursor.
    const spelled = summarize(await client.request([encodeQuery('fetch 10 in "c"')]));
    expect(spelled.events).toEqual(['notice', 'complete:FETCH 0']);
    // A DECLARE that fails (the name is taken) does not start over…
    const failed = summarize(await client.request([encodeQuery('SAVEPOINT s; DECLARE c CURSOR FOR SELECT 1')]));
    expect(failed.events).toEqual(['complete:SAVEPOINT', 'error:42P03']);
    await client.request([encodeQuery('ROLLBACK TO SAVEPOINT s')]);
    expect(summarize(await client.request([encodeQuery('FETCH 10 FROM c')])).rows).toEqual([0]);
    // …a successful one does.
    await client.request([encodeQuery('CLOSE c; DECLARE c CURSOR FOR SELECT id FROM events')]);
    expect(summarize(await client.request([encodeQuery('FETCH 10 FROM c')])).events).toEqual(['complete:FETCH 10']);
    // FETCH in a multi-statement query cannot be counted against its cursor with certainty: refused.
    const mixed = summarize(await client.request([encodeQuery('SELECT 1; FETCH 10 FROM c')]));
    expect(mixed.events).toEqual(['error:42501']);
    await client.request([encodeQuery('ROLLBACK')]);
    client.end();
  });

  it('counts a SQL cursor across FETCHes prepared in the extended protocol too', async () => {
    const { client, notices } = await pgClient();
    await client.query('BEGIN');
    await client.query({ name: 'declare', text: 'DECLARE big CURSOR FOR SELECT id FROM events ORDER BY id' });
    const batches: number[] = [];
    for (let i = 0; i < 3; i++) batches.push((await client.query({ name: 'fetch', text: 'FETCH 700 FROM big' })).rows.length);
    expect(batches).toEqual([700, 300, 0]);
    expect(notices).toHaveLength(2);
    // A new DECLARE of the name (executed from the same prepared statement) starts over.
    await client.query('CLOSE big');
    await client.query({ name: 'declare', text: 'DECLARE big CURSOR FOR SELECT id FROM events ORDER BY id' });
    expect((await client.query({ name: 'fetch', text: 'FETCH 700 FROM big' })).rows).toHaveLength(700);
    await client.query('ROLLBACK');
    await client.end();
  });

  it('keeps the limit of the statement that opened a cursor, when the FETCH itself has none', async () => {
    // The limit applies to statements reading `events`; a FETCH names no table, so its own decision has none.
    const client = await rawClient('sid', ['scoped']);
    expect(summarize(await client.request([encodeQuery('FETCH ALL FROM nothing_yet')])).events).toEqual(['error:34000']);
    await client.request([encodeQuery('BEGIN; DECLARE c CURSOR FOR SELECT id FROM events ORDER BY id')]);
    expect(summarize(await client.request([encodeQuery('FETCH 2000 FROM c')])).events).toEqual(['notice', 'complete:FETCH 1000']);
    expect(summarize(await client.request([encodeQuery('FETCH 10 FROM c')])).events).toEqual(['notice', 'complete:FETCH 0']);
    // Bundled, it could not be counted: refused, as under a limit of its own.
    const bundled = await client.request([encodeQuery('SELECT 1; FETCH 5 FROM c')]);
    expect(summarize(bundled).events).toEqual(['error:42501']);
    expect(decodeErrorResponse(bundled.find((frame) => frame.code === BackendCode.ErrorResponse)!).message).toMatch(/with cursors open under a row limit/);
    await client.request([encodeQuery('ROLLBACK')]);
    client.end();
  });

  it('shares a named portal\'s allowance with SQL FETCHes of the same name', async () => {
    const client = await rawClient();
    await client.request([encodeQuery('BEGIN')]);
    const executed = summarize(
      await client.request([encodeParse('ids', 'SELECT id FROM events ORDER BY id'), encodeBind({ portal: 'p', statement: 'ids' }), encodeExecute('p', 10), encodeSync()]),
    );
    expect(executed.rows).toEqual([10]);
    const fetched = summarize(await client.request([encodeQuery('FETCH ALL FROM p')]));
    expect(fetched.rows).toEqual([990]);
    expect(fetched.events).toEqual(['notice', 'complete:FETCH 990']);
    await client.request([encodeQuery('ROLLBACK')]);
    client.end();
  });

  it('refuses COPY … TO STDOUT under a row limit (42501) and the session carries on', async () => {
    const client = await rawClient();
    const frames = await client.request([encodeQuery('COPY events TO STDOUT')]);
    expect(frames.some((frame) => frame.code === BackendCode.CopyData)).toBe(false);
    const error = frames.find((frame) => frame.code === BackendCode.ErrorResponse);
    expect(error && decodeErrorResponse(error).sqlState).toBe('42501');
    expect(error && decodeErrorResponse(error).message).toMatch(/COPY … TO STDOUT cannot be cut to the row limit of 1000 \(agents-see-1000-rows\)/);
    expect(summarize(await client.request([encodeQuery('SELECT 1')])).events).toEqual(['complete:SELECT 1']);
    client.end();
  });

  it('cuts a masked result after masking the rows it keeps, in both protocols', async () => {
    const { client, notices } = await pgClient('mia', ['masked-agents']);
    for (const query of ['SELECT id, body FROM events ORDER BY id', { text: 'SELECT id, body FROM events WHERE id > $1 ORDER BY id', values: [0] }]) {
      const result = await client.query(query);
      expect(result.rows).toHaveLength(10);
      expect(result.rows.map((row: { id: number }) => row.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      for (const row of result.rows as Array<{ body: string }>) expect(row.body).not.toMatch(/event/);
    }
    expect(notices).toHaveLength(2);
    expect(notices[1]).toMatch(/result cut to 10 rows by policy \(masked-agents-see-10-rows\)/);
    await client.end();
  });

  it('leaves principals without a limit alone', async () => {
    const { client, notices } = await pgClient('carl', ['app']);
    const result = await client.query('SELECT id FROM events');
    expect(result.rows).toHaveLength(TOTAL);
    expect(notices).toEqual([]);
    await client.end();
  });

  it('cuts through psql: 1,000 rows and the notice on stderr, then the next statement runs', async () => {
    const run = await runPsql({
      port: gateway.port,
      rootCert: join(scratch, 'gateway.crt'),
      user: 'ada',
      token: await gateway.token('ada', ['agents']),
      commands: ['SELECT id FROM events ORDER BY id', 'SELECT count(*) FROM events'],
    });
    expect(run.stderr).toMatch(/NOTICE: {2}gatehouse: result cut to 1000 rows by policy \(agents-see-1000-rows\)/);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1001);
    expect(lines[999]).toBe('1000');
    expect(lines[1000]).toBe(String(TOTAL));
    expect(run.code).toBe(0);
  });

  it('cuts psql with FETCH_COUNT (a cursor read in batches) at 1,000 too', async () => {
    const run = await runPsql({
      port: gateway.port,
      rootCert: join(scratch, 'gateway.crt'),
      user: 'ada',
      token: await gateway.token('ada', ['agents']),
      args: ['-A', '-t', '-v', 'FETCH_COUNT=300'],
      commands: ['SELECT id FROM events ORDER BY id', 'SELECT 42'],
    });
    expect(run.stderr).toMatch(/NOTICE: {2}gatehouse: result cut to 1000 rows by policy/);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1001);
    expect(lines[999]).toBe('1000');
    expect(lines[1000]).toBe('42');
    expect(run.code).toBe(0);
    // psql really read through its cursor: DECLARE, then FETCHes counting what the client got.
    const operations = completed.map((event) => event.outcome.actions.map((action) => action.operation).join(';'));
    expect(operations).toContain('DECLARE CURSOR');
    const fetched = completed.filter((event) => event.outcome.actions[0]?.operation === 'FETCH');
    expect(fetched.length).toBeGreaterThanOrEqual(4);
    // 1,000 from the cut query, 1 from `SELECT 42` (psql reads every SELECT through a cursor then).
    expect(fetched.reduce((sum, event) => sum + (event.rows ?? 0), 0)).toBe(1001);
  });
});
