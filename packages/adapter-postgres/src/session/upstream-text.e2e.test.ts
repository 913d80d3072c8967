import pg from 'pg';
import { SqlStatementDecider } from '@gatehouse/proxy';
import type { SessionHooks, SessionIdentity, StatementOutcome } from '@gatehouse/proxy';
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectDirect, startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';

const POLICY = `
version: 1
rules:
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACE_COMMENT = `/*traceparent='${TRACEPARENT}'*/`;

/**
 * What the upstream is sent instead of the client's text: the decision's rewrite (forwardText,
 * from row filters) and the W3C trace context as a sqlcommenter comment. The upstream really runs
 * the text: results and stored rows come from it, and `current_query()` shows it.
 */
describe('the text the PostgreSQL relay sends upstream', () => {
  let server: PostgresServer;
  let gateway: TestGateway;
  /** Client text → the text a (test) rewrite step forwards instead. */
  const rewrites = new Map<string, string>();
  let traceContext: () => string | undefined = () => undefined;

  /** The real decider, plus a rewrite for the texts a test names: what H3's row filters produce. */
  class RewritingDecider extends SqlStatementDecider {
    override decide(identity: SessionIdentity, text: string): StatementOutcome {
      const outcome = super.decide(identity, text);
      const forwardText = rewrites.get(text);
      return forwardText === undefined ? outcome : { ...outcome, forwardText };
    }
  }

  const hooks: SessionHooks = { traceContext: () => traceContext() };

  async function client(): Promise<pg.Client> {
    const c = new pg.Client({ host: 'localhost', port: gateway.port, user: 'carl', password: await gateway.token('carl', ['app']), database: 'app', ssl: { ca: gateway.cert } });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }

  beforeAll(async () => {
    server = await startPostgres();
    const owner = await connectDirect(server);
    await owner.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)');
    await owner.end();
    gateway = await startTestGateway(server, POLICY, { hooks, decider: (classifier, policy) => new RewritingDecider(classifier, policy) });
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  beforeEach(() => {
    rewrites.clear();
    traceContext = () => undefined;
  });

  it('forwards the rewrite instead of a simple query, and the upstream runs it', async () => {
    rewrites.set("SELECT 'client' AS source", "SELECT 'rewritten' AS source");
    rewrites.set("INSERT INTO notes (body) VALUES ('client')", "INSERT INTO notes (body) VALUES ('rewritten')");
    const c = await client();
    expect((await c.query("SELECT 'client' AS source")).rows).toEqual([{ source: 'rewritten' }]);
    await c.query("INSERT INTO notes (body) VALUES ('client')");
    await c.end();
    const direct = await connectDirect(server);
    const stored = await direct.query("SELECT body FROM notes WHERE body IN ('client', 'rewritten')");
    await direct.end();
    expect(stored.rows).toEqual([{ body: 'rewritten' }]);
  });

  it('prepares the rewrite in the extended protocol: every execution of the statement runs it', async () => {
    rewrites.set('SELECT $1::int AS n, current_query() AS q', 'SELECT $1::int * 10 AS n, current_query() AS q');
    const c = await client();
    for (const value of [1, 2, 3]) {
      const { rows } = await c.query({ name: 'times', text: 'SELECT $1::int AS n, current_query() AS q', values: [value] });
      expect(rows[0].n).toBe(value * 10);
      expect(rows[0].q).toBe('SELECT $1::int * 10 AS n, current_query() AS q');
    }
    const prepared = await c.query("SELECT statement FROM pg_prepared_statements WHERE name = 'times'");
    expect(prepared.rows).toEqual([{ statement: 'SELECT $1::int * 10 AS n, current_query() AS q' }]);
    await c.end();
  });

  it('appends the traceparent as a sqlcommenter comment, in both protocols', async () => {
    traceContext = () => TRACEPARENT;
    const c = await client();
    const simple = await c.query('SELECT current_query() AS q');
    expect(simple.rows[0].q).toBe(`SELECT current_query() AS q ${TRACE_COMMENT}`);
    const extended = await c.query({ text: 'SELECT current_query() AS q, $1::text AS v', values: ['x'] });
    expect(extended.rows[0].q).toBe(`SELECT current_query() AS q, $1::text AS v ${TRACE_COMMENT}`);
    // After a trailing line comment the trace context starts a new line, so it is not swallowed.
    const commented = await c.query('SELECT current_query() AS q -- why');
    expect(commented.rows[0].q).toBe(`SELECT current_query() AS q -- why\n${TRACE_COMMENT}`);
    await c.end();
  });

  it('appends the traceparent after the rewrite', async () => {
    traceContext = () => TRACEPARENT;
    rewrites.set("SELECT current_query() AS q, 'client' AS source", "SELECT current_query() AS q, 'rewritten' AS source");
    const c = await client();
    const { rows } = await c.query("SELECT current_query() AS q, 'client' AS source");
    expect(rows).toEqual([{ q: `SELECT current_query() AS q, 'rewritten' AS source ${TRACE_COMMENT}`, source: 'rewritten' }]);
    await c.end();
  });

  it('sends the client text unchanged without trace context, with a malformed one, or when the hook throws', async () => {
    const c = await client();
    expect((await c.query('SELECT current_query() AS q')).rows[0].q).toBe('SELECT current_query() AS q');
    traceContext = () => "00-x'*/; DROP TABLE notes; --";
    expect((await c.query('SELECT current_query() AS q')).rows[0].q).toBe('SELECT current_query() AS q');
    traceContext = () => {
      throw new Error('tracer failed');
    };
    expect((await c.query('SELECT current_query() AS q')).rows[0].q).toBe('SELECT current_query() AS q');
    expect((await c.query('SELECT count(*)::int AS n FROM notes')).rows[0].n).toBeGreaterThanOrEqual(0);
    await c.end();
  });
});
