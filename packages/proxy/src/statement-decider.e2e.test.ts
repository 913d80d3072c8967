import type { Decision, PolicyEngine, RowFilter, SqlDialect } from '@gatehouse/core';
import type { SqlClassifier } from '@gatehouse/sql';
import { createSqlClassifier } from '@gatehouse/sql';
import { startMariadb, startPostgres } from '@gatehouse/testkit';
import type { MariadbServer, PostgresServer } from '@gatehouse/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionIdentity } from './statement-decider.js';
import { SqlStatementDecider } from './statement-decider.js';

/**
 * Row-filter bypass attempts (issue #10) through the whole decision path — classifier, policy
 * filters, rewriter — run against the real servers: what the decider forwards reads or changes only
 * the `eu` rows of a filtered `customers` table that also holds `us` rows (ids 1–3 and 8 are eu,
 * 4–7 us; in PostgreSQL 7 and 8 live in a child table that inherits from customers).
 */
const EU_FILTER: RowFilter = { pattern: '**.customers', predicate: { kind: 'eq', column: 'region', value: 'eu' }, rule: 'support-sees-own-region' };

let classifier: SqlClassifier;
beforeAll(async () => {
  classifier = await createSqlClassifier();
});

/** A policy that allows everything with the given row filters. */
function allowWith(rowFilters: readonly RowFilter[]): { current(): PolicyEngine } {
  const decision: Decision = {
    effect: 'allow',
    rules: ['support-sees-own-region'],
    reason: 'allowed by rule',
    risk: { score: 1, factors: [] },
    obligations: { audit: 'standard', rowFilters },
    observed: [],
  };
  return { current: () => ({ decide: () => decision }) };
}

function identity(dialect: SqlDialect, database: string, schema?: string): SessionIdentity {
  return {
    principal: { id: 'sam', groups: ['support'], kind: 'human', via: 'test' },
    target: { connection: 'main', environment: 'prod', dialect, database, ...(schema !== undefined ? { schema } : {}) },
    clientAddress: '127.0.0.1',
  } as SessionIdentity;
}

/** The text the decider forwards upstream: always a rewrite here (every case names the filtered table). */
function forwarded(decider: SqlStatementDecider, who: SessionIdentity, text: string): string {
  const outcome = decider.decide(who, text);
  if (outcome.decision.effect !== 'allow' || outcome.forwardText === undefined) {
    throw new Error(`expected ${text} to be forwarded rewritten, got ${outcome.decision.effect}: ${outcome.decision.reason}`);
  }
  return outcome.forwardText;
}

const sortedIds = (rows: readonly Record<string, unknown>[]) => rows.map((row) => Number(row['id'])).sort((a, b) => a - b);

describe('row-filter bypass attempts against PostgreSQL', () => {
  let server: PostgresServer | undefined;
  let client: pg.Client;
  const EU_IDS = [1, 2, 3, 8];

  beforeAll(async () => {
    server = await startPostgres({ tls: false });
    client = new pg.Client({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database });
    await client.connect();
    await client.query(`
      CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, region text);
      INSERT INTO customers VALUES (1, 'Ann', 'eu'), (2, 'Ben', 'eu'), (3, 'Cid', 'eu'), (4, 'Dee', 'us'), (5, 'Eve', 'us'), (6, 'Fay', 'us');
      CREATE TABLE customers_child () INHERITS (customers);
      INSERT INTO customers_child VALUES (7, 'Gus', 'us'), (8, 'Hal', 'eu');
      CREATE TABLE orders (id int PRIMARY KEY, cid int NOT NULL, x text);
      INSERT INTO orders SELECT g, g, NULL FROM generate_series(1, 8) g;
      CREATE SCHEMA sales;
    `);
  }, 180_000);

  afterAll(async () => {
    await client?.end().catch(() => undefined);
    await server?.stop();
  });

  let decider: SqlStatementDecider;
  beforeAll(() => {
    decider = new SqlStatementDecider(classifier, allowWith([EU_FILTER]));
  });
  const pgText = (text: string) => forwarded(decider, identity('postgres', server!.database), text);

  it.each([
    ['a plain read', 'SELECT id FROM customers', EU_IDS],
    ['ONLY', 'SELECT id FROM ONLY customers', [1, 2, 3]],
    ['an inheritance star', 'SELECT id FROM customers *', EU_IDS],
    ['TABLE', 'TABLE customers', EU_IDS],
    ['TABLE ONLY', 'TABLE ONLY customers', [1, 2, 3]],
    ['FOR UPDATE', 'SELECT id FROM customers FOR UPDATE', EU_IDS],
    ['a quoted, schema-qualified name with a comment', 'SELECT id FROM public./* x */"customers"', EU_IDS],
    ['a filter contradicted in the WHERE', "SELECT id FROM customers c WHERE c.region = 'us' OR true", EU_IDS],
    ['a whole-row value', "SELECT (row_to_json(c)->>'id')::int AS id FROM customers c", EU_IDS],
    ['a whole-row field', 'SELECT (c).id AS id FROM customers c', EU_IDS],
    ['LATERAL', 'SELECT x.id FROM orders o, LATERAL (SELECT * FROM customers c WHERE c.id = o.cid) x', EU_IDS],
    ['EXISTS', 'SELECT id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = o.cid)', EU_IDS],
    ['IN (SELECT …)', 'SELECT id FROM orders WHERE cid IN (SELECT id FROM customers)', EU_IDS],
    ['NATURAL JOIN', 'SELECT id FROM orders NATURAL JOIN customers', EU_IDS],
    ['set operations', 'SELECT id FROM customers UNION SELECT id FROM customers EXCEPT SELECT 99', EU_IDS],
    ['a recursive CTE', 'WITH RECURSIVE r AS (SELECT id FROM customers UNION SELECT id FROM r) SELECT id FROM r', EU_IDS],
    ['a sub-select in the select list', 'SELECT (SELECT count(*)::int FROM customers) AS id', [4]],
    ['VALUES with a sub-select', "SELECT * FROM (VALUES ((SELECT count(*)::int FROM customers WHERE region = 'us'))) v(id)", [0]],
    ['a table function over a whole-row aggregate', 'SELECT id FROM json_populate_recordset(NULL::customers, (SELECT json_agg(c) FROM customers c))', EU_IDS],
  ])('%s reads only eu rows', async (_, text, expected) => {
    const { rows } = await client.query(pgText(text));
    expect(sortedIds(rows)).toEqual(expected);
  });

  it('a search_path whose head has no customers: a filter written for public still applies to the unqualified name', async () => {
    // The session's first search_path entry is `sales`, which has no customers: the server falls through to public.
    const publicOnly = new SqlStatementDecider(classifier, allowWith([{ ...EU_FILTER, pattern: '*.public.customers' }]));
    const text = forwarded(publicOnly, identity('postgres', server!.database, 'sales'), 'SELECT id FROM customers');
    await client.query('SET search_path = sales, public');
    try {
      expect(sortedIds((await client.query(text)).rows)).toEqual(EU_IDS);
    } finally {
      await client.query('RESET search_path');
    }
  });

  it('a cursor and a prepared statement see only eu rows', async () => {
    await client.query('BEGIN');
    try {
      await client.query(pgText('DECLARE cur CURSOR FOR SELECT id FROM customers'));
      expect(sortedIds((await client.query('FETCH ALL FROM cur')).rows)).toEqual(EU_IDS);
    } finally {
      await client.query('COMMIT');
    }
    await client.query(pgText('PREPARE p AS SELECT id FROM customers WHERE id > $1'));
    expect(sortedIds((await client.query('EXECUTE p(0)')).rows)).toEqual(EU_IDS);
    await client.query('DEALLOCATE p');
  });

  it('EXPLAIN ANALYZE is denied: even rewritten, its row counts tell whether a row outside the filter exists', async () => {
    const text = 'EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM customers WHERE id = 4';
    expect(decider.decide(identity('postgres', server!.database), text).decision).toMatchObject({ effect: 'deny', reason: expect.stringContaining('EXPLAIN ANALYZE') });
    // Why: the filtered statement, as the rewrite would send it, reports the us row it removed
    // under the index condition (row 4 exists, row 99 does not).
    const removed = async (id: number) => {
      const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${pgText(`SELECT * FROM ONLY customers WHERE id = ${id}`)}`);
      return (rows[0]!['QUERY PLAN'] as { Plan: { 'Rows Removed by Filter'?: number } }[])[0]!.Plan['Rows Removed by Filter'];
    };
    await client.query('SET enable_seqscan = off');
    try {
      expect(await removed(4)).toBe(1);
      expect(await removed(99)).toBe(0);
    } finally {
      await client.query('RESET enable_seqscan');
    }
    // Without ANALYZE the plan has estimates only, and is forwarded rewritten.
    expect(pgText('EXPLAIN SELECT * FROM customers WHERE id = 4')).toContain('"gatehouse_rf"');
  });

  it('CREATE TABLE AS and SELECT INTO copy only eu rows', async () => {
    await client.query(pgText('CREATE TEMP TABLE copy_a AS SELECT * FROM customers'));
    await client.query(pgText('SELECT * INTO TEMP copy_b FROM customers'));
    expect(sortedIds((await client.query('SELECT id FROM copy_a')).rows)).toEqual(EU_IDS);
    expect(sortedIds((await client.query('SELECT id FROM copy_b')).rows)).toEqual(EU_IDS);
  });

  /** Runs a write in a transaction that is rolled back, returning what `check` reads inside it. */
  async function inRolledBack<T>(write: string, check: () => Promise<T>): Promise<{ written: pg.QueryResult; checked: T }> {
    await client.query('BEGIN');
    try {
      const written = await client.query(write);
      return { written, checked: await check() };
    } finally {
      await client.query('ROLLBACK');
    }
  }

  const touchedIds = async () => sortedIds((await client.query("SELECT id FROM customers WHERE name = 'touched'")).rows);
  const remainingIds = async () => sortedIds((await client.query('SELECT id FROM customers')).rows);

  it.each([
    ['UPDATE', "UPDATE customers SET name = 'touched'", touchedIds, EU_IDS],
    ['UPDATE ONLY', "UPDATE ONLY customers SET name = 'touched'", touchedIds, [1, 2, 3]],
    ['UPDATE with an alias and a WHERE that tries to widen it', "UPDATE customers c SET name = 'touched' WHERE c.region = 'us' OR true", touchedIds, EU_IDS],
    ['a writable CTE', "WITH u AS (UPDATE customers SET name = 'touched' RETURNING id) SELECT count(*) FROM u", touchedIds, EU_IDS],
    ['DELETE', 'DELETE FROM customers', remainingIds, [4, 5, 6, 7]],
    ['DELETE … USING', 'DELETE FROM customers c USING orders o WHERE o.cid = c.id', remainingIds, [4, 5, 6, 7]],
    ['DELETE in a CTE', 'WITH d AS (DELETE FROM customers RETURNING id) SELECT id FROM d', remainingIds, [4, 5, 6, 7]],
  ] as const)('%s changes only eu rows', async (_, text, check, expected) => {
    const { checked } = await inRolledBack(pgText(text), check);
    expect(checked).toEqual(expected);
  });

  it('RETURNING, UPDATE … FROM and MERGE … USING see only eu rows', async () => {
    const deleted = await inRolledBack(pgText('DELETE FROM customers RETURNING id'), async () => undefined);
    expect(sortedIds(deleted.written.rows)).toEqual(EU_IDS);
    const joined = await inRolledBack(
      pgText('UPDATE orders SET x = customers.name FROM customers WHERE orders.cid = customers.id RETURNING orders.id'),
      async () => undefined,
    );
    expect(sortedIds(joined.written.rows)).toEqual(EU_IDS);
    const merged = await inRolledBack(
      pgText("MERGE INTO orders o USING customers c ON o.cid = c.id WHEN MATCHED THEN UPDATE SET x = 'merged'"),
      async () => sortedIds((await client.query("SELECT id FROM orders WHERE x = 'merged'")).rows),
    );
    expect(merged.checked).toEqual(EU_IDS);
  });

  it('an INSERT through a truncating cast is refused: the server would store a value outside the filter', async () => {
    const text = "INSERT INTO customers (id, name, region) VALUES (50, 'Ivy', 'eu'::char(1))";
    expect(decider.decide(identity('postgres', server!.database), text).decision.effect).toBe('deny');
    // What the server would have stored had it been forwarded: 'e', a row the principal cannot read.
    const { checked } = await inRolledBack(text, async () => (await client.query('SELECT region FROM customers WHERE id = 50')).rows[0]?.['region']);
    expect(checked).toBe('e');
  });
});

describe('row-filter bypass attempts against MariaDB', () => {
  let server: MariadbServer | undefined;
  const EU_IDS = [1, 2, 3, 8];

  beforeAll(async () => {
    server = await startMariadb({ tls: false });
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  /** Runs statements in the test database (as root over the socket) and returns the first column of every row. */
  async function column(statements: string): Promise<string[]> {
    const output = await server!.sql(`USE ${server!.database}; ${statements}`);
    return output.split('\n').filter((line) => line.length > 0).map((line) => line.split('\t')[0]!);
  }

  const ids = async (statements: string) => (await column(statements)).map(Number).sort((a, b) => a - b);

  async function reset(): Promise<void> {
    await column(`
      DROP TABLE IF EXISTS customers, orders, archive;
      CREATE TABLE customers (id int PRIMARY KEY, name varchar(50) NOT NULL, region varchar(10));
      INSERT INTO customers VALUES (1, 'Ann', 'eu'), (2, 'Ben', 'eu'), (3, 'Cid', 'eu'), (4, 'Dee', 'us'), (5, 'Eve', 'us'), (6, 'Fay', 'us'), (7, 'Gus', 'us'), (8, 'Hal', 'eu');
      CREATE TABLE orders (id int PRIMARY KEY, cid int NOT NULL, x varchar(50));
      INSERT INTO orders SELECT id, id, NULL FROM customers;
      CREATE TABLE archive (id int, name varchar(50));
    `);
  }

  let decider: SqlStatementDecider;
  beforeAll(() => {
    decider = new SqlStatementDecider(classifier, allowWith([EU_FILTER]));
  });
  const mysqlText = (text: string) => forwarded(decider, identity('mysql', server!.database), text);

  it.each([
    ['a plain read', 'SELECT id FROM customers'],
    ['backticks and the database name', 'SELECT id FROM `app`.`customers`'],
    ['a filter contradicted in the WHERE', "SELECT id FROM customers c WHERE c.region = 'us' OR 1"],
    ['a derived table', 'SELECT id FROM (SELECT * FROM customers) d'],
    ['STRAIGHT_JOIN', 'SELECT c.id FROM orders o STRAIGHT_JOIN customers c ON o.cid = c.id'],
    ['UNION', 'SELECT id FROM customers UNION SELECT id FROM customers'],
    ['a CTE', 'WITH c AS (SELECT * FROM customers) SELECT id FROM c'],
    ['LOCK IN SHARE MODE', 'SELECT id FROM customers LOCK IN SHARE MODE'],
    ['FOR UPDATE', 'SELECT id FROM customers FOR UPDATE'],
    ['IN (SELECT …)', 'SELECT id FROM orders WHERE cid IN (SELECT id FROM customers)'],
    ['EXISTS', 'SELECT id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = o.cid)'],
  ])('%s reads only eu rows', async (_, text) => {
    await reset();
    expect(await ids(mysqlText(text))).toEqual(EU_IDS);
  }, 60_000);

  it('read conditions never see a row outside the filter (no error oracle through a merged derived table)', async () => {
    await reset();
    // Dee is a us row: evaluated before the filter, EXP(1000) would fail the statement (one bit about it).
    for (const text of [
      "SELECT id FROM customers WHERE EXP(IF(name = 'Dee', 1000, 0)) > 0",
      "SELECT id FROM customers c WHERE c.id IN (1, 2, 3, 4, 8) AND EXP(IF(c.name = 'Dee', 1000, 0)) > 0",
      "SELECT c.id FROM orders o JOIN customers c ON o.cid = c.id WHERE EXP(IF(c.name = 'Dee', 1000, 0)) > 0",
    ]) {
      expect(await ids(mysqlText(text))).toEqual(EU_IDS);
    }
  }, 60_000);

  it('warnings never carry values of rows outside the filter (`name = 0` converts every name it sees)', async () => {
    await reset();
    const output = await server!.sql(`USE ${server!.database}; ${mysqlText('SELECT count(*) FROM customers c WHERE c.name = 0')}; SHOW WARNINGS`);
    expect(output).toContain("'Ann'"); // the conversion warnings are there, for eu rows only
    for (const usName of ['Dee', 'Eve', 'Fay', 'Gus']) expect(output).not.toContain(usName);
  }, 60_000);

  it('SELECT … INTO @variable reads only eu rows', async () => {
    await reset();
    expect(await column(`${mysqlText('SELECT name INTO @leak FROM customers WHERE id = 4')}; SELECT IFNULL(@leak, 'none')`)).toEqual(['none']);
  }, 60_000);

  it.each([
    ['multi-table UPDATE of the other table', "UPDATE orders o JOIN customers c ON o.cid = c.id SET o.x = 'touched'", "SELECT id FROM orders WHERE x = 'touched'", EU_IDS],
    ['multi-table UPDATE of the filtered table', "UPDATE customers c JOIN orders o ON o.cid = c.id SET c.name = 'touched'", "SELECT id FROM customers WHERE name = 'touched'", EU_IDS],
    ['comma-joined UPDATE', "UPDATE orders o, customers c SET o.x = 'touched' WHERE o.cid = c.id", "SELECT id FROM orders WHERE x = 'touched'", EU_IDS],
    ['UPDATE … ORDER BY … LIMIT', "UPDATE customers SET name = 'touched' ORDER BY id DESC LIMIT 2", "SELECT id FROM customers WHERE name = 'touched'", [3, 8]],
    ['multi-table DELETE', 'DELETE c FROM customers c JOIN orders o ON o.cid = c.id', 'SELECT id FROM customers', [4, 5, 6, 7]],
    ['DELETE … ORDER BY … LIMIT', 'DELETE FROM customers ORDER BY id DESC LIMIT 10', 'SELECT id FROM customers', [4, 5, 6, 7]],
    ['INSERT … SELECT into another table', 'INSERT INTO archive (id, name) SELECT id, name FROM customers', 'SELECT id FROM archive', EU_IDS],
  ])('%s changes only eu rows', async (_, text, check, expected) => {
    await reset();
    await column(mysqlText(text));
    expect(await ids(check)).toEqual(expected);
  }, 60_000);

  it('UPDATE/DELETE conditions never see a row outside the filter (no error oracle: the filter is evaluated first)', async () => {
    await reset();
    // Dee is a us row: with the client's condition evaluated first, EXP(1000) would fail the statement
    // exactly when such a row exists, one bit about rows the principal may not read.
    for (const text of [
      "UPDATE customers SET name = name WHERE EXP(IF(name = 'Dee', 1000, 0)) > 0",
      "DELETE FROM customers WHERE EXP(IF(name = 'Dee', 1000, 0)) > 0 AND id < 0",
      "UPDATE customers c JOIN orders o ON o.cid = c.id SET o.x = 'touched' WHERE EXP(IF(c.name = 'Dee', 1000, 0)) > 0",
    ]) {
      await expect(column(mysqlText(text))).resolves.toEqual([]);
    }
    expect(await ids("SELECT id FROM orders WHERE x = 'touched'")).toEqual(EU_IDS);
  }, 60_000);

  it('a view or a trigger over the filtered table is refused (it would read every row later)', () => {
    for (const text of ['CREATE VIEW v AS SELECT * FROM customers', 'CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW SET NEW.x = (SELECT name FROM customers LIMIT 1)']) {
      expect(decider.decide(identity('mysql', server!.database), text).decision.effect).toBe('deny');
    }
  });
});
