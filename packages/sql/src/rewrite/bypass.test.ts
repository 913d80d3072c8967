import { loadModule, parseSync } from 'libpg-query';
import mysqlBuild from 'node-sql-parser/build/mysql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { lexMssql } from '../mssql/lexer.js';
import { parseTransactSql } from '../mssql/parser.js';
import { lexedFromReferences } from './mssql-from-references.js';
import { offsetPreservingParseText } from './offset-parse-text.js';
import { createStatementRewriter } from './statement-rewriter.js';
import type { StatementRewriter } from './statement-rewriter.js';
import { EU } from './test-filters.js';
import type { AppliedRowFilter, RewriteRequest, RewriteResult, RowFilterLookup } from './types.js';

/**
 * Red-team cases for row-filter rewriting (issue #10): statements an attacker with a filter on
 * `customers` would try in order to read or change rows outside it. Each is either rewritten so
 * every reference to the table is filtered (checked on the re-parsed text), or refused.
 */
let rewriter: StatementRewriter;
beforeAll(async () => {
  await loadModule();
  rewriter = await createStatementRewriter({ cacheBytes: 0 });
});

/** Like the decider's globs, names match case-insensitively (`"Customers"`, `CUSTOMERS`, `[Customers]`). */
const FILTER: RowFilterLookup = (name) => (name.split('.').at(-1)?.toLowerCase() === 'customers' ? { predicate: EU, rules: ['support-sees-own-region'] } : undefined);

function rewrite(dialect: RewriteRequest['dialect'], text: string, extra: Partial<RewriteRequest> = {}): RewriteResult {
  return rewriter.rewrite({ text, dialect, database: dialect === 'mysql' ? 'shop' : 'app', filterFor: FILTER, ...extra });
}

function rewrittenText(dialect: RewriteRequest['dialect'], text: string, extra: Partial<RewriteRequest> = {}): string {
  const result = rewrite(dialect, text, extra);
  if (result.kind !== 'rewritten') throw new Error(`expected a rewrite of ${text}, got ${JSON.stringify(result)}`);
  return result.text;
}

/** Every node of a JSON tree with the path of keys above it. */
function* nodes(value: unknown, path: string[] = []): Generator<[Record<string, unknown>, string[]]> {
  if (Array.isArray(value)) {
    for (const item of value) yield* nodes(item, path);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const node = value as Record<string, unknown>;
  yield [node, path];
  for (const key in node) yield* nodes(node[key], [...path, key]);
}

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

/**
 * The rewritten PostgreSQL text parses, and every reference to customers is the inner scan of a
 * filter or an UPDATE/DELETE target; the predicate appears at least once per reference.
 */
function expectPostgresCovered(text: string): void {
  const tree = parseSync(text);
  let references = 0;
  for (const [node, path] of nodes(tree)) {
    if (typeof node['relname'] !== 'string' || node['relname'].toLowerCase() !== 'customers') continue;
    references++;
    const alias = (node['alias'] as { aliasname?: string } | undefined)?.aliasname;
    const isTarget = path.at(-1) === 'relation' && (path.at(-2) === 'UpdateStmt' || path.at(-2) === 'DeleteStmt');
    expect(alias === 'gatehouse_rf' || isTarget, text).toBe(true);
  }
  expect(references, text).toBeGreaterThan(0);
  expect(occurrences(text, `."region" = 'eu')`), text).toBeGreaterThanOrEqual(references);
}

function expectMysqlCovered(text: string): void {
  const ast = new mysqlBuild.Parser().astify(text.replaceAll("_utf8mb4 X'", "X'"), { database: 'MySQL' });
  let reads = 0;
  let targets = 0;
  for (const [node, path] of nodes(ast)) {
    if (node['type'] !== undefined || typeof node['table'] !== 'string' || !('db' in node)) continue;
    if (node['table'].replaceAll('`', '').toLowerCase() !== 'customers') continue;
    // DELETE lists its target both in `table` and `from`: targets are counted once, through the WHERE.
    const isTarget = path[0] === 'table' || (path[0] === 'from' && /^\s*(UPDATE|DELETE)/i.test(text));
    expect(node['as'] === 'gatehouse_rf' || isTarget, text).toBe(true);
    if (node['as'] === 'gatehouse_rf') reads++;
    else targets = 1;
  }
  expect(reads + targets, text).toBeGreaterThan(0);
  // A materialized read is a UNION ALL of the filtered scan and an empty one (`WHERE FALSE`): two references, one predicate.
  const empty = occurrences(text, ' AS `gatehouse_rf` WHERE FALSE)');
  expect(occurrences(text, "`.`region` = _utf8mb4 X'6575')"), text).toBeGreaterThanOrEqual(reads - empty + targets);
}

/** T-SQL: the text parses (literals blanked, as the classifier does) and every FROM item named customers is the inner scan. */
function expectMssqlCovered(text: string): void {
  const lexed = lexMssql(text);
  expect(parseTransactSql(offsetPreservingParseText(text, lexed.tokens, 0, lexed.tokens.length)), text).toBeDefined();
  const range = { firstToken: 0, endToken: lexed.tokens.length } as Parameters<typeof lexedFromReferences>[2];
  const references = lexedFromReferences(text, lexed.tokens, range).filter((r) => r.parts.at(-1)?.toLowerCase() === 'customers');
  expect(references.length, text).toBeGreaterThan(0);
  for (const reference of references) {
    const alias = reference.alias !== undefined ? text.slice(lexed.tokens[reference.alias]!.start, lexed.tokens[reference.alias]!.end) : '';
    expect(alias, text).toBe('[gatehouse_rf]');
  }
}

describe('PostgreSQL: bypass attempts that are rewritten with every reference filtered', () => {
  it.each([
    'SELECT * FROM ONLY customers',
    'SELECT * FROM customers *',
    'TABLE customers',
    'TABLE ONLY customers',
    'SELECT * FROM customers FOR UPDATE',
    'SELECT * FROM "customers"',
    'SELECT * FROM "Customers"',
    'SELECT * FROM U&"\\0063ustomers"',
    'SELECT * FROM public.customers',
    'SELECT * FROM other.customers',
    'SELECT * FROM app.public.customers',
    'SELECT * FROM public . /* hidden */ customers',
    'SELECT * FROM orders o, LATERAL (SELECT * FROM customers c WHERE c.id = o.cid) x',
    'SELECT row_to_json(c) FROM customers c',
    'SELECT c FROM customers c',
    'SELECT c.* FROM customers c',
    'SELECT (SELECT count(*) FROM customers)',
    'SELECT * FROM unnest(ARRAY(SELECT c FROM customers c))',
    'SELECT * FROM json_to_recordset((SELECT json_agg(c) FROM customers c)) AS x(a int)',
    'COPY (SELECT * FROM customers) TO STDOUT',
    "EXPLAIN (FORMAT JSON) SELECT * FROM customers WHERE region = 'us'",
    'EXPLAIN (ANALYZE false) SELECT * FROM customers',
    'CREATE TABLE t AS SELECT * FROM customers',
    'CREATE TEMP TABLE t AS TABLE customers',
    'SELECT * INTO t FROM customers',
    'WITH d AS (DELETE FROM customers RETURNING *) SELECT * FROM d',
    "WITH u AS (UPDATE customers SET name = 'x' RETURNING *) SELECT * FROM u",
    'UPDATE orders SET x = 1 FROM customers WHERE orders.cid = customers.id RETURNING customers.*',
    'DELETE FROM customers WHERE id = 1 RETURNING *',
    "UPDATE customers SET name = 'x' WHERE id = 1 RETURNING (SELECT count(*) FROM customers)",
    'DELETE FROM customers c USING customers d WHERE c.id = d.id',
    'DECLARE cur CURSOR FOR SELECT * FROM customers',
    'PREPARE p AS SELECT * FROM customers WHERE id = $1',
    'PREPARE q AS DELETE FROM customers WHERE id = $1',
    'SELECT * FROM orders WHERE EXISTS (SELECT 1 FROM customers)',
    'SELECT * FROM orders WHERE cid IN (SELECT id FROM customers)',
    'SELECT id FROM customers UNION SELECT id FROM customers EXCEPT SELECT id FROM customers',
    'WITH RECURSIVE r AS (SELECT * FROM customers UNION ALL SELECT r.* FROM r JOIN customers c ON false) SELECT * FROM r',
    'VALUES ((SELECT name FROM customers LIMIT 1))',
    'WITH customers AS (SELECT * FROM customers) DELETE FROM customers',
    "WITH customers AS (SELECT 1) UPDATE customers SET name = 'x'",
    'MERGE INTO orders o USING customers c ON o.cid = c.id WHEN MATCHED THEN UPDATE SET x = 1',
    'SELECT * FROM customers; SELECT * FROM public.customers',
  ])('%s', (text) => {
    expectPostgresCovered(rewrittenText('postgres', text));
  });

  it('TABLE ONLY t becomes SELECT * FROM (… ONLY t …), not an invalid TABLE (subquery)', () => {
    expect(rewrittenText('postgres', 'TABLE ONLY customers')).toBe(
      `SELECT * FROM (SELECT * FROM ONLY customers AS "gatehouse_rf" WHERE ("gatehouse_rf"."region" = 'eu')) AS "customers"`,
    );
  });
});

describe('PostgreSQL: bypass attempts that are refused', () => {
  it.each([
    // Reads the classifier reports no table for: the rewriter finds the table in the parse tree.
    ['a child table inheriting the filtered one (its rows would show in customers)', 'CREATE TABLE t () INHERITS (customers)', 'CreateStmt'],
    ['a partition of the filtered table', "CREATE TABLE t PARTITION OF customers FOR VALUES IN ('us')", 'CreateStmt'],
    ['attaching a table as a child', 'ALTER TABLE t INHERIT customers', 'AlterTableStmt'],
    ['a foreign key into the table (an existence oracle)', 'ALTER TABLE orders ADD FOREIGN KEY (cid) REFERENCES customers (id)', 'AlterTableStmt'],
    ['a view over the table', 'CREATE VIEW v AS SELECT * FROM customers', 'ViewStmt'],
    ['a rule whose action reads the table', 'CREATE RULE r AS ON INSERT TO orders DO ALSO SELECT * FROM customers', 'RuleStmt'],
    ['COPY of the table', 'COPY customers TO STDOUT', 'cannot filter'],
    ['COPY into the table', 'COPY customers FROM STDIN', 'cannot filter'],
    // Routines: their bodies run unfiltered, and a cheap COST lets the planner run them before the filter.
    ['a SQL function reading the table', "CREATE FUNCTION f() RETURNS SETOF customers LANGUAGE sql AS 'select * from customers'", 'functions'],
    ['a function that names no table (its body may build SQL)', "CREATE FUNCTION leak(text) RETURNS bool COST 0.0001 LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE '%', $1; RETURN true; END $$", 'functions'],
    ['changing a function COST', 'ALTER FUNCTION f(text) COST 0.0001', 'functions'],
    ['a trigger', 'CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f()', 'functions'],
    ['DO blocks', "DO $$ BEGIN PERFORM * FROM customers; END $$", 'dynamic SQL'],
    ['EXECUTE of a prepared statement', 'EXECUTE p(1)', 'dynamic SQL'],
    ['CALL', 'CALL p()', 'dynamic SQL'],
    // Functions that run SQL text or read tables by name.
    ['ts_stat(query text)', "SELECT * FROM ts_stat('SELECT to_tsvector(name) FROM customers')", 'ts_stat()'],
    ['ts_rewrite(tsquery, query text)', "SELECT ts_rewrite('a'::tsquery, 'SELECT t, s FROM customers')", 'ts_rewrite()'],
    ['query_to_xml', "SELECT query_to_xml('select * from customers', true, true, '')", 'query_to_xml()'],
    ['table_to_xml by name', "SELECT pg_catalog.table_to_xml('customers', true, false, '')", 'table_to_xml()'],
    ['schema_to_xml', "SELECT schema_to_xml('public', true, false, '')", 'schema_to_xml()'],
    ['dblink (loopback)', "SELECT * FROM dblink('dbname=app', 'select * from customers') AS t(a int)", 'dblink()'],
    ['reading a data file', "SELECT pg_read_binary_file('base/1/2')", 'pg_read_binary_file()'],
    ['a loopback foreign table', "CREATE FOREIGN TABLE ft (id int) SERVER loopback OPTIONS (table_name 'customers')", 'foreign tables'],
    ['importing a foreign schema', 'IMPORT FOREIGN SCHEMA public FROM SERVER loopback INTO mine', 'foreign tables'],
    // Writes that would put or move a row outside the filter.
    ['UPDATE of a filter column', "UPDATE customers SET region = 'us' WHERE id = 1", 'sets column region'],
    ['UPDATE of a filter column in a row assignment', "UPDATE customers SET (name, region) = ('x', 'us')", 'sets column region'],
    ['UPDATE of part of a filter column', "UPDATE customers SET region[1] = 'us'", 'sets column region'],
    ['UPDATE of a table-qualified filter column', "UPDATE customers SET customers.region = 'us'", 'sets column region'],
    ['INSERT naming the filter column twice', "INSERT INTO customers (id, region, region) VALUES (1, 'eu', 'us')", 'names a column twice'],
    ['INSERT through a truncating cast', "INSERT INTO customers (id, region) VALUES (1, 'eu'::char(1))", 'computes column region'],
    ['INSERT through char (char(1))', "INSERT INTO customers (id, region) VALUES (1, 'eu'::char)", 'computes column region'],
    ['INSERT through "char"', `INSERT INTO customers (id, region) VALUES (1, 'eu'::"char")`, 'computes column region'],
    ['INSERT through varchar(n)', "INSERT INTO customers (id, region) VALUES (1, 'eu'::varchar(1))", 'computes column region'],
    ['INSERT through name', "INSERT INTO customers (id, region) VALUES (1, 'eu'::name)", 'computes column region'],
    ['INSERT … SELECT', "INSERT INTO customers (id, region) SELECT 1, 'us'", 'literal VALUES'],
    ['INSERT … ON CONFLICT DO UPDATE', "INSERT INTO customers (id, region) VALUES (1, 'eu') ON CONFLICT (id) DO UPDATE SET name = 'x'", 'ON CONFLICT'],
    ['MERGE into the table', 'MERGE INTO customers c USING orders o ON o.cid = c.id WHEN MATCHED THEN DELETE', 'MERGE'],
    ['WHERE CURRENT OF', 'DELETE FROM customers WHERE CURRENT OF cur', 'CURRENT OF'],
    ['TABLESAMPLE', 'SELECT * FROM customers TABLESAMPLE BERNOULLI (100)', 'TABLESAMPLE'],
    ['FOR SHARE OF the table', 'SELECT * FROM customers FOR SHARE OF customers', 'cannot filter'],
    ['ONLY in parentheses', 'SELECT * FROM ONLY (customers)', 'unusual form'],
    ['TRUNCATE', 'TRUNCATE customers', 'TruncateStmt'],
    ['EXPLAIN ANALYZE (Rows Removed by Filter counts rows outside the filter)', 'EXPLAIN ANALYZE SELECT * FROM customers WHERE id = 4', 'EXPLAIN ANALYZE'],
    ['EXPLAIN ANALYZE EXECUTE', 'EXPLAIN ANALYZE EXECUTE p(4)', 'EXECUTE'],
    ['CREATE TABLE AS EXECUTE', 'CREATE TABLE t AS EXECUTE p(4)', 'EXECUTE'],
    ['EXPLAIN (ANALYZE on) of a write', "EXPLAIN (ANALYZE on, BUFFERS) DELETE FROM customers WHERE name = 'x'", 'EXPLAIN ANALYZE'],
    ['LOCK', 'LOCK TABLE customers', 'LockStmt'],
    ['a materialized view', 'CREATE MATERIALIZED VIEW m AS SELECT * FROM customers', 'CreateTableAsStmt'],
  ])('%s', (_, text, reason) => {
    const result = rewrite('postgres', text);
    expect(result).toMatchObject({ kind: 'refused', reason: expect.stringContaining(reason) });
  });
});

describe('PostgreSQL: unqualified names resolve through a search_path the gateway cannot see', () => {
  // A filter written for one schema; the session's first search_path entry is another.
  const publicOnly: RowFilterLookup = (name) => (name.toLowerCase() === 'app.public.customers' ? { predicate: EU, rules: ['r'] } : undefined);
  const anySchema = (_database: string, table: string): AppliedRowFilter | undefined => (table.toLowerCase() === 'customers' ? { predicate: EU, rules: ['r'] } : undefined);

  it('filters an unqualified name when the filter covers the table in any schema', () => {
    const text = rewrittenText('postgres', 'SELECT * FROM customers', { schema: 'sales', filterFor: publicOnly, filterForAnySchema: anySchema });
    expectPostgresCovered(text);
    expect(rewrittenText('postgres', 'DELETE FROM customers', { schema: 'sales', filterFor: publicOnly, filterForAnySchema: anySchema })).toBe(
      `DELETE FROM customers WHERE ("customers"."region" = 'eu')`,
    );
    expect(rewrite('postgres', "INSERT INTO customers (id, region) VALUES (1, 'us')", { schema: 'sales', filterFor: publicOnly, filterForAnySchema: anySchema }).kind).toBe('refused');
  });

  it('leaves a schema-qualified name in another schema to the exact lookup', () => {
    expect(rewrite('postgres', 'SELECT * FROM sales.customers', { filterFor: publicOnly, filterForAnySchema: anySchema })).toEqual({ kind: 'unchanged' });
  });
});

describe('MySQL/MariaDB: bypass attempts that are rewritten with every reference filtered', () => {
  it.each([
    'SELECT * FROM other.customers',
    'SELECT * FROM `customers`',
    'SELECT * FROM `Customers`',
    'SELECT * FROM CUSTOMERS',
    'SELECT * FROM `shop`.`customers` c',
    'SELECT * FROM shop . /* x */ customers',
    "SELECT * FROM customers INTO OUTFILE '/tmp/x'",
    'SELECT name INTO @x FROM customers LIMIT 1',
    'INSERT INTO orders (x) SELECT name FROM customers',
    'UPDATE customers c JOIN orders o ON o.cid = c.id SET o.x = c.name',
    'UPDATE orders o JOIN customers c ON o.cid = c.id SET o.x = c.name',
    'UPDATE orders o, customers c SET o.x = c.name WHERE o.cid = c.id',
    'UPDATE orders o SET o.x = (SELECT name FROM customers c WHERE c.id = o.cid)',
    "UPDATE customers SET name = 'x' ORDER BY id LIMIT 1",
    'DELETE c FROM customers c JOIN orders o ON o.cid = c.id',
    "DELETE o FROM orders o JOIN customers c ON o.cid = c.id WHERE c.name = 'x'",
    'DELETE FROM customers WHERE id = 1 ORDER BY id LIMIT 1',
    'DELETE customers FROM customers',
    'SELECT * FROM (SELECT * FROM customers) d',
    'SELECT * FROM orders o STRAIGHT_JOIN customers c ON o.cid = c.id',
    'SELECT * FROM customers FOR UPDATE',
    'SELECT * FROM customers LOCK IN SHARE MODE',
    'WITH c AS (SELECT * FROM customers) SELECT * FROM c',
    'SELECT * FROM customers UNION SELECT * FROM customers',
    '(SELECT * FROM customers)',
    'SELECT * FROM orders WHERE x = ANY (SELECT name FROM customers)',
    'SELECT * FROM customers, customers c2',
    // Conditions that could fail or stall on another row: the read is materialized (UNION ALL form).
    "SELECT id FROM customers WHERE EXP(IF(name = 'x', 1000, 0)) > 0",
    'SELECT c.id FROM orders o JOIN customers c ON o.cid = c.id WHERE SLEEP(IF(c.id = 4, 1, 0)) = 0',
    'SELECT * FROM orders WHERE cid IN (SELECT id FROM customers WHERE CAST(name AS SIGNED) = 1)',
  ])('%s', (text) => {
    expectMysqlCovered(rewrittenText('mysql', text));
  });
});

describe('MySQL/MariaDB: bypass attempts that are refused', () => {
  it.each([
    ['a view over the table', 'CREATE VIEW v AS SELECT * FROM customers', 'CREATE'],
    ['a trigger reading the table', 'CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW SET NEW.x = (SELECT name FROM customers LIMIT 1)', 'triggers'],
    ['a procedure that names no table (it may PREPARE at run time)', "CREATE DEFINER = CURRENT_USER() PROCEDURE p() BEGIN SELECT 1; END", 'procedures'],
    ['a function', 'CREATE FUNCTION f() RETURNS int RETURN (SELECT count(*) FROM orders)', 'procedures'],
    ['an event', 'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM orders', 'procedures'],
    ['altering an event', 'ALTER EVENT e DO DELETE FROM customers', 'procedures'],
    ['a foreign key into the table', 'ALTER TABLE orders ADD FOREIGN KEY (cid) REFERENCES customers (id)', 'ALTER'],
    ['CREATE TABLE … SELECT', 'CREATE TABLE t SELECT * FROM customers', 'CREATE'],
    ['CHECKSUM TABLE (a digest of every row)', 'CHECKSUM TABLE customers', 'did not parse'],
    ['HANDLER … OPEN', 'HANDLER customers OPEN', 'did not parse'],
    ['HANDLER … READ', 'HANDLER customers READ FIRST', 'did not parse'],
    ['TABLE statement', 'TABLE customers', 'did not parse'],
    ['LOAD DATA into the table', "LOAD DATA INFILE '/tmp/x' INTO TABLE customers", 'LOAD_DATA'],
    ['REPLACE', "REPLACE INTO customers (id, region) VALUES (1, 'eu')", 'REPLACE'],
    ['INSERT naming the filter column twice', "INSERT INTO customers (id, region, region) VALUES (1, 'eu', 'us')", 'names a column twice'],
    ['INSERT … SET', "INSERT INTO customers SET id = 1, region = 'us'", 'literal VALUES'],
    ['INSERT … SELECT', "INSERT INTO customers (id, region) SELECT 1, 'us'", 'literal VALUES'],
    ['INSERT … ON DUPLICATE KEY UPDATE', "INSERT INTO customers (id, region) VALUES (1, 'eu') ON DUPLICATE KEY UPDATE region = 'us'", 'ON DUPLICATE KEY UPDATE'],
    ['INSERT VALUES ROW(…)', "INSERT INTO customers (id, region) VALUES ROW(1, 'us')", 'VALUES'],
    ['an upper-case filter column in UPDATE', "UPDATE customers SET `REGION` = 'us'", 'sets column region'],
    ['a qualified filter column in UPDATE', "UPDATE customers c SET c.region = 'us'", 'sets column region'],
    ['LOCK TABLES', 'LOCK TABLES customers READ', 'LOCK'],
    ['RENAME TABLE', 'RENAME TABLE customers TO c2', 'RENAME'],
    ['an executable comment', 'SELECT 1 /*!50000 UNION SELECT name FROM customers */', 'executable comments'],
    ['a MariaDB executable comment', 'SELECT 1 /*M! UNION SELECT name FROM customers */', 'executable comments'],
    ['PREPARE', "PREPARE s FROM 'SELECT * FROM customers'", 'dynamic SQL'],
    ['SET from a subquery', 'SET @x = (SELECT name FROM customers LIMIT 1)', 'SET'],
    ['SHOW with a subquery reading the table', "SHOW TABLES WHERE EXISTS (SELECT 1 FROM customers WHERE name = 'x')", 'did not parse'],
    ['DESC as EXPLAIN', 'DESC SELECT * FROM customers', 'did not parse'],
    ['EXPLAIN', 'EXPLAIN SELECT * FROM customers', 'EXPLAIN'],
    ['MariaDB ANALYZE (runs the query, reports row counts)', 'ANALYZE SELECT * FROM customers', 'did not parse'],
  ])('%s', (_, text, reason) => {
    expect(rewrite('mysql', text)).toMatchObject({ kind: 'refused', reason: expect.stringContaining(reason) });
  });
});

describe('MySQL/MariaDB: metadata statements stay usable under row filters', () => {
  it.each(['SHOW COLUMNS FROM customers', 'SHOW FULL COLUMNS FROM shop.customers', 'SHOW CREATE TABLE customers', 'SHOW INDEX FROM customers', 'DESCRIBE customers', 'DESC customers name'])(
    '%s is forwarded unchanged',
    (text) => {
      expect(rewrite('mysql', text)).toEqual({ kind: 'unchanged' });
    },
  );
});

describe('T-SQL: bypass attempts that are rewritten with every reference filtered', () => {
  it.each([
    'SELECT * FROM [customers]',
    'SELECT * FROM dbo.customers',
    'SELECT * FROM [dbo].[Customers]',
    'SELECT * FROM app.dbo.customers',
    'SELECT * FROM other.dbo.customers',
    'SELECT * FROM sales.customers',
    'SELECT * FROM dbo./*x*/customers',
    'SELECT TOP (5) * FROM customers ORDER BY id',
    'SELECT * INTO t FROM customers',
    'SELECT * INTO #t FROM customers',
    'SELECT * FROM orders o CROSS APPLY (SELECT * FROM customers c WHERE c.id = o.cid) x',
    'SELECT * FROM orders o OUTER APPLY (SELECT TOP 1 * FROM customers c WHERE c.id = o.cid) x',
    'WITH c AS (SELECT * FROM customers) SELECT * FROM c',
    'SELECT * FROM customers c1 JOIN customers c2 ON c1.id = c2.id',
    'UPDATE o SET x = c.name FROM orders o JOIN customers c ON o.cid = c.id',
    'UPDATE orders SET x = (SELECT TOP 1 name FROM customers)',
    "DELETE FROM orders WHERE cid IN (SELECT id FROM customers WHERE region = 'us')",
    'SELECT * FROM customers PIVOT (max(name) FOR region IN ([eu], [us])) p',
    'SELECT * FROM customers FOR JSON PATH',
    'DECLARE @n int; SELECT @n = count(*) FROM customers',
  ])('%s', (text) => {
    expectMssqlCovered(rewrittenText('mssql', text));
  });
});

describe('T-SQL: bypass attempts that are refused', () => {
  it.each([
    ['OPENROWSET (loopback query text)', "SELECT * FROM OPENROWSET('SQLNCLI', 'Server=.;Trusted_Connection=yes', 'SELECT * FROM app.dbo.customers')", 'OPENROWSET'],
    ['OPENQUERY', "SELECT * FROM OPENQUERY(loopback, 'SELECT * FROM customers')", 'OPENQUERY'],
    ['OPENDATASOURCE', "SELECT * FROM OPENDATASOURCE('SQLNCLI', 'x').app.dbo.customers", 'OPENDATASOURCE'],
    ['an old-style table hint', 'SELECT * FROM customers (NOLOCK)', 'old-style table hint'],
    ['a table hint', 'SELECT * FROM customers c WITH (NOLOCK)', 'table hint'],
    ['EXEC of text', "EXEC('SELECT * FROM customers')", 'dynamic SQL'],
    ['EXEC inside IF', "IF 1 = 1 EXEC('SELECT * FROM cust' + 'omers')", 'dynamic SQL'],
    ['EXEC inside BEGIN … END', "BEGIN EXEC('SELECT * FROM customers') END", 'dynamic SQL'],
    ['sp_executesql', "EXEC sp_executesql N'SELECT * FROM customers'", 'dynamic SQL'],
    ['a four-part name', 'SELECT * FROM srv.app.dbo.customers', 'four-part'],
    ['a synonym for the table', 'CREATE SYNONYM syn FOR dbo.customers', 'did not parse'],
    ['a view over the table', 'CREATE VIEW v AS SELECT * FROM customers', 'did not parse'],
    ['a procedure (its body runs unfiltered)', 'CREATE PROCEDURE p AS SELECT 1', 'procedures'],
    ['CREATE OR ALTER FUNCTION', 'CREATE OR ALTER FUNCTION f() RETURNS int AS BEGIN RETURN 1 END', 'procedures'],
    ['a trigger', 'CREATE TRIGGER t ON orders AFTER INSERT AS SELECT 1', 'procedures'],
    ['UPDATE through the alias of the filtered table', "UPDATE c SET region = 'us' FROM customers c", 'as its target'],
    ['UPDATE through an alias in another case', "UPDATE C SET region = 'us' FROM customers c", 'as its target'],
    ['UPDATE through a derived table over the filtered table', "UPDATE d SET region = 'us' FROM (SELECT * FROM customers) d", 'as its target'],
    ['UPDATE … FROM with the filtered target', "UPDATE customers SET name = 'x' FROM customers", 'UPDATE … FROM'],
    ['DELETE with a join', 'DELETE c FROM customers c JOIN orders o ON o.cid = c.id', 'DELETE with a FROM list'],
    ['UPDATE of a bracketed filter column', "UPDATE customers SET [region] = 'us'", 'sets column region'],
    ['UPDATE of an upper-case filter column', "UPDATE customers SET REGION = 'us'", 'sets column region'],
    ['UPDATE assigning a variable and the filter column at once', "DECLARE @x nvarchar(10); UPDATE customers SET @x = region = N'us'", 'assigns a variable'],
    ['INSERT naming the filter column twice', "INSERT INTO customers (id, region, region) VALUES (1, 'eu', 'us')", 'names a column twice'],
    ['INSERT of a computed value', "INSERT INTO customers (id, region) VALUES (1, 'eu' + '')", 'computes column region'],
    ['INSERT … SELECT', "INSERT INTO customers (id, region) SELECT 1, 'us'", 'literal VALUES'],
    ['a CTE named like the table', 'WITH customers AS (SELECT 1 AS a) SELECT * FROM customers', 'disagree'],
    ['MERGE', 'MERGE customers AS t USING orders AS s ON t.id = s.cid WHEN MATCHED THEN DELETE;', 'did not parse'],
    ['TRUNCATE', 'TRUNCATE TABLE customers', 'TRUNCATE'],
    ['actual execution plans (row counts before the filter)', 'SET STATISTICS XML ON', 'STATISTICS'],
    ['actual execution plans as rows', 'SET STATISTICS PROFILE ON', 'STATISTICS'],
  ])('%s', (_, text, reason) => {
    expect(rewrite('mssql', text)).toMatchObject({ kind: 'refused', reason: expect.stringContaining(reason) });
  });

  it('filters an unqualified name when the filter covers the table in any schema (default schema falls back to dbo)', () => {
    const dboOnly: RowFilterLookup = (name) => (name.toLowerCase() === 'app.dbo.customers' ? { predicate: EU, rules: ['r'] } : undefined);
    const anySchema = (_database: string, table: string): AppliedRowFilter | undefined => (table.toLowerCase() === 'customers' ? { predicate: EU, rules: ['r'] } : undefined);
    expectMssqlCovered(rewrittenText('mssql', 'SELECT * FROM customers', { schema: 'sales', filterFor: dboOnly, filterForAnySchema: anySchema }));
    expect(rewrite('mssql', 'SELECT * FROM sales.customers', { schema: 'sales', filterFor: dboOnly, filterForAnySchema: anySchema })).toEqual({ kind: 'unchanged' });
  });
});
