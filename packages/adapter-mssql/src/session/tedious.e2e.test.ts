import { startMssql } from '@gatehouse/testkit';
import type { MssqlServer } from '@gatehouse/testkit';
import { Request, TYPES } from 'tedious';
import type { Connection } from 'tedious';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { closeTedious, connectTedious, run, sql } from '../testing/tedious.js';
import type { TediousError } from '../testing/tedious.js';

const POLICY = `
version: 1
rules:
  - id: no-drop
    effect: deny
    when: { action: { operation: [DROP TABLE] } }
    message: Dropping tables is blocked
  - id: analysts-read
    effect: allow
    when:
      principal: { groups: [analysts] }
      action: { category: [read] }
    mask:
      columns:
        "**.customers.email": partial
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

// tedious 19 through the gateway against the TDS stand-in (or MSSQL_URL): every request type a
// SQL Server client sends, decided and relayed.
describe('tedious through the SQL Server adapter', () => {
  let server: MssqlServer;
  let gateway: TestGateway;
  const open: Connection[] = [];

  async function connect(groups: string[] = ['app'], encrypt: boolean | 'strict' = true, user = 'carl'): Promise<Connection> {
    const connection = await connectTedious(gateway.port, { user, password: await gateway.token(user, groups), encrypt, ca: gateway.cert });
    open.push(connection);
    return connection;
  }

  beforeAll(async () => {
    server = await startMssql({ tls: 'on' });
    gateway = await startTestGateway(server, POLICY, process.env['GATEHOUSE_TEST_LOG'] ? { logLevel: process.env['GATEHOUSE_TEST_LOG'] } : {});
    const owner = await connect();
    await sql(owner, 'IF OBJECT_ID(N\'customers\', N\'U\') IS NOT NULL DROP TABLE customers');
    await sql(owner, 'CREATE TABLE customers (id int NOT NULL PRIMARY KEY, name nvarchar(100) NOT NULL, email nvarchar(200) NULL)');
    await sql(owner, "INSERT INTO customers (id, name, email) VALUES (1, N'Ana Lima', N'ana.lima@example.com'), (2, N'Bo Chen', N'bo.chen@example.org')");
  }, 120_000);

  afterAll(async () => {
    await Promise.all(open.map(closeTedious));
    await gateway?.stop();
    await server?.stop();
  });

  it('runs a SQLBatch (execSqlBatch) and returns the rows', async () => {
    const c = await connect();
    const result = await sql(c, 'SELECT id, name, email FROM customers ORDER BY id');
    expect(result.rows).toEqual([
      [1, 'Ana Lima', 'ana.lima@example.com'],
      [2, 'Bo Chen', 'bo.chen@example.org'],
    ]);
  });

  it('runs sp_executesql (execSql) with parameters', async () => {
    const c = await connect();
    const result = await sql(c, 'SELECT name FROM customers WHERE id = @id', 'execSql', (request) => request.addParameter('id', TYPES.Int, 2));
    expect(result.rows).toEqual([['Bo Chen']]);
  });

  it('masks for the analyst: text columns rewritten, other columns untouched', async () => {
    const c = await connect(['analysts'], true, 'ana');
    const result = await sql(c, 'SELECT id, name, email FROM customers ORDER BY id', 'execSql');
    expect(result.rows.map((row) => row[0])).toEqual([1, 2]);
    expect(result.rows.map((row) => row[1])).toEqual(['Ana Lima', 'Bo Chen']);
    for (const row of result.rows) {
      expect(String(row[2])).not.toMatch(/^(ana\.lima|bo\.chen)@/);
      expect(String(row[2])).toMatch(/@example\.(com|org)$/);
    }
  });

  it('refuses a denied statement with ERROR 229 naming the rule, and the session carries on', async () => {
    const c = await connect();
    const error = (await sql(c, 'DROP TABLE customers').catch((e: unknown) => e)) as TediousError;
    expect(error.number).toBe(229);
    expect(error.class).toBe(14);
    expect(error.message).toContain('no-drop');
    const after = await sql(c, 'SELECT COUNT(*) AS n FROM customers');
    expect(after.rows).toEqual([[2]]);
  });

  it('refuses by default what no rule allows (sp_executesql too)', async () => {
    const c = await connect(['nobody'], true, 'nina');
    const error = (await sql(c, 'SELECT id FROM customers', 'execSql').catch((e: unknown) => e)) as TediousError;
    expect(error.number).toBe(229);
    expect(error.message).toContain('default deny');
  });

  it('prepares and executes a statement (sp_prepare / sp_execute / sp_unprepare)', async () => {
    const c = await connect();
    let ready: () => void;
    const prepared = new Promise<void>((resolve) => (ready = resolve));
    const rows: unknown[][] = [];
    const done = new Promise<void>((resolve, reject) => {
      const request = new Request('SELECT name FROM customers WHERE id = @id', (error) => (error ? reject(error) : undefined));
      request.addParameter('id', TYPES.Int);
      request.on('prepared', () => ready());
      request.on('row', (columns: { value: unknown }[]) => void rows.push(columns.map((column) => column.value)));
      c.prepare(request);
      void prepared.then(() => {
        request.once('requestCompleted', () => resolve());
        c.execute(request, { id: 1 });
      });
    });
    await done;
    expect(rows).toEqual([['Ana Lima']]);
  });

  it('runs transactions through Transaction Manager requests (begin, rollback)', async () => {
    const c = await connect();
    await new Promise<void>((resolve, reject) => c.beginTransaction((error) => (error ? reject(error) : resolve())));
    await sql(c, "INSERT INTO customers (id, name) VALUES (3, N'Temp')", 'execSql');
    await new Promise<void>((resolve, reject) => c.rollbackTransaction((error) => (error ? reject(error) : resolve())));
    const after = await sql(c, 'SELECT COUNT(*) AS n FROM customers');
    expect(after.rows).toEqual([[2]]);
  });

  it('cancels a running statement (Attention) and the session carries on', async () => {
    const c = await connect();
    const running = sql(c, "WAITFOR DELAY '00:00:10'").then(
      () => undefined,
      (error: unknown) => error as TediousError,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    c.cancel();
    const error = await running;
    expect(error?.code).toBe('ECANCEL');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await sql(c, 'SELECT 1 AS one')).rows).toEqual([[1]]);
  });

  it('bulk-loads rows (INSERT BULK + BULK LOAD) as a write on the table', async () => {
    const c = await connect();
    const bulk = c.newBulkLoad('customers', { keepNulls: true }, () => undefined);
    bulk.addColumn('id', TYPES.Int, { nullable: false });
    bulk.addColumn('name', TYPES.NVarChar, { length: 100, nullable: false });
    bulk.addColumn('email', TYPES.NVarChar, { length: 200, nullable: true });
    const loaded = await new Promise<number>((resolve, reject) => {
      const load = c.newBulkLoad('customers', { keepNulls: true }, (error, rowCount) => (error ? reject(error) : resolve(rowCount ?? 0)));
      load.addColumn('id', TYPES.Int, { nullable: false });
      load.addColumn('name', TYPES.NVarChar, { length: 100, nullable: false });
      load.addColumn('email', TYPES.NVarChar, { length: 200, nullable: true });
      c.execBulkLoad(load, [
        { id: 10, name: 'Bulk One', email: null },
        { id: 11, name: 'Bulk Two', email: 'two@example.com' },
      ]);
    });
    void bulk;
    expect(loaded).toBe(2);
    const after = await sql(c, 'SELECT name FROM customers WHERE id >= 10 ORDER BY id');
    expect(after.rows).toEqual([['Bulk One'], ['Bulk Two']]);
    await sql(c, 'DELETE FROM customers WHERE id >= 10');
  });

  it('refuses a bulk load the policy does not allow (a write for a reader), and the session carries on', async () => {
    const c = await connect(['analysts'], true, 'ana');
    const error = await new Promise<TediousError | undefined>((resolve) => {
      const load = c.newBulkLoad('customers', {}, (e) => resolve((e ?? undefined) as TediousError | undefined));
      load.addColumn('id', TYPES.Int, { nullable: false });
      load.addColumn('name', TYPES.NVarChar, { length: 100, nullable: false });
      c.execBulkLoad(load, [{ id: 20, name: 'Nope' }]);
    });
    expect(error?.number).toBe(229);
    expect((await sql(c, 'SELECT COUNT(*) AS n FROM customers')).rows).toEqual([[2]]);
  });

  it("connects with TDS 8 strict encryption (encrypt: 'strict')", async () => {
    const c = await connect(['app'], 'strict');
    expect((await sql(c, 'SELECT 2 AS two')).rows).toEqual([[2]]);
  });

  it('accepts the token as a FEDAUTH access token (tedious azure-active-directory-access-token)', async () => {
    const c = await connectTedious(gateway.port, { user: '', password: await gateway.token('fiona', ['app']), accessToken: true, ca: gateway.cert });
    open.push(c);
    expect((await sql(c, 'SELECT 3 AS three')).rows).toEqual([[3]]);
    const refused = await connectTedious(gateway.port, { user: '', password: 'not-a-token', accessToken: true, ca: gateway.cert }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
  });

  it('logs in upstream with TDS 8 strict encryption when configured', async () => {
    const strictGateway = await startTestGateway(server, POLICY, { strictUpstream: true });
    try {
      const c = await connectTedious(strictGateway.port, { user: 'carl', password: await strictGateway.token('carl', ['app']), ca: strictGateway.cert });
      expect((await sql(c, 'SELECT 4 AS four')).rows).toEqual([[4]]);
      await closeTedious(c);
      if (server.kind === 'tds-test-server') expect(server.events.some((event) => event.event === 'prelogin' && event['outcome'] === 'strict')).toBe(true);
    } finally {
      await strictGateway.stop();
    }
  });

  it('refuses a bad token with 18456', async () => {
    const error = (await connectTedious(gateway.port, { user: 'carl', password: 'not-a-token', ca: gateway.cert }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/Login failed for user 'carl'/);
  });

  it('runs a stored procedure call by name as category procedure (refused here by the stand-in, not the gateway)', async () => {
    const c = await connect();
    const error = (await run(c, (done) => new Request('dbo.no_such_proc', (e) => done(e)), 'callProcedure').catch((e: unknown) => e)) as TediousError;
    // The gateway let it through (app-all): the server's own "could not find stored procedure".
    expect(error.number).toBe(2812);
  });
});
