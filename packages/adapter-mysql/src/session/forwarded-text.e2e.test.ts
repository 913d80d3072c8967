import mysql from 'mysql2/promise';
import type { CompletedStatement, StatementOutcome } from '@gatehouse/proxy';
import { startMariadb } from '@gatehouse/testkit';
import type { MariadbServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { connectDirect } from '../testing/seed.js';

// What goes upstream when the decision rewrote a statement (StatementOutcome.forwardText, the
// row-filter rewrite) and when trace context is propagated (a sqlcommenter comment): checked in
// MariaDB's own general log, and by the rows the server returns for the text it really ran.

const POLICY = `
version: 1
rules:
  - id: no-drop
    effect: deny
    when: { action: { operation: [DROP TABLE] } }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Stand-in for the row-filter rewrite: customers are narrowed to region 'eu'. */
function euOnly(text: string): string | undefined {
  if (text === 'SELECT id FROM customers ORDER BY id') return "SELECT id FROM customers WHERE region = 'eu' ORDER BY id";
  if (text === 'SELECT id FROM customers WHERE id > ? ORDER BY id') return "SELECT id FROM customers WHERE region = 'eu' AND id > ? ORDER BY id";
  return undefined;
}

describe('rewritten statements and trace context through the MySQL gateway', () => {
  let server: MariadbServer;
  let gateway: TestGateway;
  let propagate = false;
  const traced: StatementOutcome[] = [];
  const completed: CompletedStatement[] = [];

  beforeAll(async () => {
    server = await startMariadb();
    const direct = await connectDirect(server);
    await direct.query("CREATE TABLE customers (id int PRIMARY KEY, region varchar(8)); INSERT INTO customers VALUES (1, 'eu'), (2, 'us'), (3, 'eu'), (4, 'us')");
    await direct.end();
    await server.sql("SET GLOBAL log_output = 'TABLE'; SET GLOBAL general_log = 'ON'");
    gateway = await startTestGateway(server, POLICY, {
      rewrite: euOnly,
      hooks: {
        traceContext: (_session, outcome) => {
          traced.push(outcome);
          return propagate ? TRACEPARENT : undefined;
        },
        statementCompleted: (_session, statement) => void completed.push(statement),
      },
    });
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
  });

  beforeEach(() => {
    propagate = false;
    traced.length = 0;
    completed.length = 0;
  });

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

  /** What the server logged for statements containing `marker` (Query and Prepare), in order. */
  async function logged(marker: string): Promise<string[]> {
    const out = await server.sql(
      `SELECT CONVERT(argument USING utf8mb4) FROM mysql.general_log WHERE command_type IN ('Query', 'Prepare') AND argument LIKE '%${marker}%' AND argument NOT LIKE '%general_log%' ORDER BY event_time`,
    );
    return out.split('\n').filter((line) => line.length > 0);
  }

  it('sends the rewritten text instead of the client\'s, for COM_QUERY and COM_STMT_PREPARE, and the server runs it', async () => {
    const c = await client();
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT id FROM customers ORDER BY id');
    expect(rows.map((row) => row['id'])).toEqual([1, 3]);
    const [prepared] = await c.execute<mysql.RowDataPacket[]>('SELECT id FROM customers WHERE id > ? ORDER BY id', [1]);
    expect(prepared.map((row) => row['id'])).toEqual([3]);
    // Not rewritten: forwarded exactly as sent.
    const [all] = await c.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM customers');
    expect(Number(all[0]!['n'])).toBe(4);
    await c.end();

    const seen = await logged('customers');
    expect(seen).toContain("SELECT id FROM customers WHERE region = 'eu' ORDER BY id");
    expect(seen).toContain("SELECT id FROM customers WHERE region = 'eu' AND id > ? ORDER BY id");
    expect(seen).toContain('SELECT COUNT(*) AS n FROM customers');
    expect(seen).not.toContain('SELECT id FROM customers ORDER BY id');
    expect(seen).not.toContain('SELECT id FROM customers WHERE id > ? ORDER BY id');
    expect(completed.map((statement) => statement.rows)).toEqual([2, undefined, 1, 1]);
  });

  it('appends the traceparent as a sqlcommenter comment, after the rewrite, when the hooks propagate trace context', async () => {
    const c = await client();
    propagate = true;
    await c.query("SELECT 'trace-marker-1' AS m;");
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT id FROM customers ORDER BY id');
    expect(rows.map((row) => row['id'])).toEqual([1, 3]);
    await c.execute("SELECT 'trace-marker-2' AS m, ? AS p", ['x']);
    propagate = false;
    await c.query("SELECT 'trace-marker-3' AS m");
    await c.end();

    const comment = `/*traceparent='${TRACEPARENT}'*/`;
    // Placed before the client's final `;` (which the server trims from the text it logs).
    expect(await logged('trace-marker-1')).toEqual([`SELECT 'trace-marker-1' AS m ${comment}`]);
    expect(await logged('ORDER BY id /*traceparent')).toEqual([`SELECT id FROM customers WHERE region = 'eu' ORDER BY id ${comment}`]);
    expect((await logged('trace-marker-2'))[0]).toBe(`SELECT 'trace-marker-2' AS m, ? AS p ${comment}`);
    expect(await logged('trace-marker-3')).toEqual(["SELECT 'trace-marker-3' AS m"]);
    // Asked once per statement the gate let through, with the decided outcome.
    expect(traced.length).toBeGreaterThanOrEqual(4);
    expect(traced[1]!.forwardText).toBe("SELECT id FROM customers WHERE region = 'eu' ORDER BY id");
  });

  it('reports a statement refused by policy as blocked, and the server never sees it', async () => {
    const c = await client();
    propagate = true;
    await expect(c.query('DROP TABLE customers')).rejects.toMatchObject({ errno: 1142, message: expect.stringContaining('no-drop') as string });
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM customers');
    expect(Number(rows[0]!['n'])).toBe(4);
    await c.end();
    expect(completed.map(({ result, rows: count, errorCode }) => ({ result, rows: count, errorCode }))).toEqual([
      { result: 'blocked', rows: undefined, errorCode: undefined },
      { result: 'ok', rows: 1, errorCode: undefined },
    ]);
    expect(completed[0]!.outcome.decision).toMatchObject({ effect: 'deny', rules: ['no-drop'] });
    expect(await logged('DROP TABLE')).toEqual([]);
    // Trace context is asked only for statements that go upstream.
    expect(traced).toHaveLength(1);
  });
});
