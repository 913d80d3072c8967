import mysqlBuild from 'node-sql-parser/build/mysql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { lexMysql } from '../mysql/lexer.js';
import { createStatementRewriter } from './statement-rewriter.js';
import type { StatementRewriter } from './statement-rewriter.js';
import { EU, filterTable, HOSTILE_VALUES, hostileString, seeded } from './test-filters.js';
import type { RewriteResult, RowFilterLookup } from './types.js';

let rewriter: StatementRewriter;
beforeAll(async () => {
  rewriter = await createStatementRewriter({ cacheBytes: 0 });
});

function rewrite(text: string, filterFor: RowFilterLookup = filterTable('customers', EU)): RewriteResult {
  return rewriter.rewrite({ text, dialect: 'mysql', database: 'app', filterFor });
}

function rewrittenText(text: string, filterFor?: RowFilterLookup): string {
  const result = rewrite(text, filterFor);
  if (result.kind !== 'rewritten') throw new Error(`expected a rewrite, got ${JSON.stringify(result)}`);
  return result.text;
}

const EU_HEX = "_utf8mb4 X'6575'";
const FILTERED = `(SELECT * FROM customers AS \`gatehouse_rf\` WHERE (\`gatehouse_rf\`.\`region\` = ${EU_HEX}))`;
/** A UNION ALL derived table: materialized, so the client's conditions never run before the filter. */
const FENCED = `(SELECT * FROM customers AS \`gatehouse_rf\` WHERE (\`gatehouse_rf\`.\`region\` = ${EU_HEX}) UNION ALL SELECT * FROM customers AS \`gatehouse_rf\` WHERE FALSE)`;

/**
 * node-sql-parser lacks charset introducers, which MySQL and MariaDB accept (`_utf8mb4 X'…'`);
 * the plain hex literal has the same shape, so the structure check parses that instead.
 */
function parsesAsOneStatement(text: string): boolean {
  const ast = new mysqlBuild.Parser().astify(text.replaceAll("_utf8mb4 X'", "X'"), { database: 'MySQL' });
  return !Array.isArray(ast) || ast.length === 1;
}

describe('MySQL row-filter rewrite', () => {
  it('binds strings as hex with a charset introducer, independent of NO_BACKSLASH_ESCAPES and ANSI_QUOTES', () => {
    expect(rewrittenText("SELECT name FROM customers WHERE id > '3'")).toBe(`SELECT name FROM ${FILTERED} AS \`customers\` WHERE id > '3'`);
    expect(rewrittenText('SELECT name FROM customers WHERE id > 3')).toBe(`SELECT name FROM ${FENCED} AS \`customers\` WHERE id > 3`);
  });

  it('keeps aliases and database-qualified names; rewrites joins, subqueries and UNION', () => {
    const text = rewrittenText(
      'SELECT c.name FROM app.customers AS c JOIN orders o ON o.cid = c.id WHERE o.cid IN (SELECT id FROM customers) UNION SELECT name FROM `customers` x',
    );
    expect(text).toContain('FROM (SELECT * FROM app.customers AS `gatehouse_rf`');
    expect(text).toContain(') AS c JOIN orders o');
    expect(text).toContain(') AS x');
    expect(text.match(/`gatehouse_rf`\.`region`/g)).toHaveLength(3);
    expect(parsesAsOneStatement(text)).toBe(true);
  });

  it('a CTE named like the table is the CTE; its own non-recursive body reads the table', () => {
    expect(rewrittenText('WITH customers AS (SELECT * FROM customers) SELECT * FROM customers')).toBe(
      `WITH customers AS (SELECT * FROM ${FILTERED} AS \`customers\`) SELECT * FROM customers`,
    );
  });

  it('a table in another database is not the filtered one', () => {
    const onlyApp: RowFilterLookup = (name) => (name === 'app.customers' ? { predicate: EU, rules: ['r'] } : undefined);
    expect(rewrite('SELECT * FROM other.customers', onlyApp)).toEqual({ kind: 'unchanged' });
    expect(rewrite('SELECT * FROM customers', onlyApp).kind).toBe('rewritten');
  });

  it('ANDs the predicate into UPDATE/DELETE WHERE clauses before ORDER BY/LIMIT, for every filtered table joined', () => {
    expect(rewrittenText('UPDATE customers c JOIN orders o ON o.cid = c.id SET c.name = ? WHERE o.id = 2 ORDER BY c.id LIMIT 3')).toBe(
      `UPDATE customers c JOIN orders o ON o.cid = c.id SET c.name = ? WHERE (\`c\`.\`region\` = ${EU_HEX}) AND (o.id = 2) ORDER BY c.id LIMIT 3`,
    );
    expect(rewrittenText('DELETE FROM customers')).toBe(`DELETE FROM customers WHERE (\`customers\`.\`region\` = ${EU_HEX})`);
    expect(rewrittenText('DELETE FROM customers WHERE id = 1 LIMIT 1')).toBe(
      `DELETE FROM customers WHERE (\`customers\`.\`region\` = ${EU_HEX}) AND (id = 1) LIMIT 1`,
    );
  });

  it('materializes the read when a WHERE/ON could fail or stall on a row outside the filter', () => {
    // Merged, MariaDB runs the client's condition first: EXP overflows exactly when such a row matches.
    expect(rewrittenText("SELECT id FROM customers WHERE EXP(IF(name = 'x', 1000, 0)) > 0")).toBe(
      `SELECT id FROM ${FENCED} AS \`customers\` WHERE EXP(IF(name = 'x', 1000, 0)) > 0`,
    );
    for (const text of [
      // `name = 0` converts every name it is evaluated on, and SHOW WARNINGS lists them.
      'SELECT * FROM customers c WHERE c.name = 0',
      'SELECT * FROM customers c WHERE c.id = ?',
      'SELECT * FROM customers c JOIN orders o ON o.cid = c.id',
      'SELECT * FROM customers WHERE id IN (SELECT cid FROM orders)',
      "SELECT * FROM customers WHERE CASE WHEN name = 'x' THEN SLEEP(1) END = 0",
      'SELECT * FROM orders WHERE cid IN (SELECT id FROM customers WHERE CAST(name AS SIGNED) = 1)',
    ]) {
      expect(rewrittenText(text), text).toContain(' UNION ALL SELECT * FROM customers AS `gatehouse_rf` WHERE FALSE)');
    }
    // No condition, or columns compared with string literals only: nothing about a row can surface,
    // so the mergeable form keeps the optimizer's full freedom (LIMIT stops early, no copy).
    for (const text of [
      'SELECT * FROM customers LIMIT 10',
      'SELECT count(*) FROM customers',
      "SELECT * FROM customers c WHERE c.name IN ('a', 'b') AND NOT (c.name >= 'a') AND c.x IS NOT NULL AND c.id BETWEEN '1' AND '9' LIMIT 10",
    ]) {
      expect(rewrittenText(text), text).toContain(`FROM ${FILTERED} AS `);
    }
  });

  it('rewrites the SELECT of INSERT … SELECT into another table', () => {
    expect(rewrittenText('INSERT INTO archive (id) SELECT id FROM customers')).toBe(`INSERT INTO archive (id) SELECT id FROM ${FILTERED} AS \`customers\``);
  });

  it('refuses an UPDATE that sets a filtered column', () => {
    expect(rewrite("UPDATE customers SET region = 'us' WHERE id = 1")).toMatchObject({ kind: 'refused', reason: expect.stringContaining('sets column region') });
  });

  it('checks literal INSERT rows (backslash escapes and "…" strings decoded as the pinned sql_mode reads them)', () => {
    const region = filterTable('customers', { kind: 'eq', column: 'region', value: "e'u" });
    expect(rewrite(`INSERT INTO customers (id, region) VALUES (1, 'e\\'u'), (2, "e'u"), (3, 'e''u')`, region).kind).toBe('rewritten');
    expect(rewrite("INSERT INTO customers (id, region) VALUES (1, 'eu'), (2, 'us')")).toEqual({
      kind: 'refused',
      reason: 'INSERT into app.customers: row 2 is outside the row filter of rule support-sees-own-region',
    });
  });

  it('refuses INSERTs it cannot check, REPLACE and ON DUPLICATE KEY UPDATE', () => {
    expect(rewrite('INSERT INTO customers (id, region) VALUES (?, ?)')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('parameter') });
    expect(rewrite("REPLACE INTO customers (id, region) VALUES (1, 'eu')").kind).toBe('refused');
    expect(rewrite("INSERT INTO customers (id, region) VALUES (1, 'eu') ON DUPLICATE KEY UPDATE name = 'x'").kind).toBe('refused');
    expect(rewrite('INSERT INTO customers (id, region) SELECT id, region FROM staging').kind).toBe('refused');
  });

  it('refuses executable comments, other statement types naming the table, and parse failures', () => {
    expect(rewrite('SELECT /*!50000 * */ FROM customers').kind).toBe('refused');
    expect(rewrite('TRUNCATE TABLE customers').kind).toBe('refused');
    expect(rewrite('SELECT * FROM customers WHERE').kind).toBe('refused');
  });

  it('leaves statements that never name a filtered table alone, without parsing them', () => {
    expect(rewrite('SET autocommit = 1')).toEqual({ kind: 'unchanged' });
    expect(rewrite('SHOW TABLES')).toEqual({ kind: 'unchanged' });
  });

  it.each(HOSTILE_VALUES.map((value) => [value]))('hostile value %j stays one hex literal', (value) => {
    const text = rewrittenText("SELECT * FROM customers WHERE name <> 'x'", filterTable('customers', { kind: 'in', column: 'region', values: [value] }));
    expect(lexMysql(text).problems).toEqual([]);
    expect(lexMysql(text).tokens.filter((t) => t.kind === 'string')).toHaveLength(2);
    expect(parsesAsOneStatement(text)).toBe(true);
  });

  it('fuzz: random values and column names never change the statement shape (seeded)', () => {
    const random = seeded(Number(process.env.REWRITE_FUZZ_SEED ?? 11));
    for (let i = 0; i < 300; i++) {
      const filter = filterTable('customers', {
        kind: 'and',
        predicates: [
          { kind: 'eq', column: hostileString(random, 8) || 'c', value: hostileString(random) },
          { kind: 'in', column: 'tenant', values: [hostileString(random), -3, true] },
        ],
      });
      const text = rewrittenText('SELECT * FROM customers', filter);
      expect(lexMysql(text).problems, `case ${i}`).toEqual([]);
      expect(lexMysql(text).tokens.filter((t) => t.kind === 'string'), `case ${i}`).toHaveLength(2);
    }
  });
});
