import { loadModule, parseSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { lexPostgres } from '../postgres/lexer.js';
import { createStatementRewriter } from './statement-rewriter.js';
import type { StatementRewriter } from './statement-rewriter.js';
import { EU, filterTable, HOSTILE_VALUES, hostileString, seeded } from './test-filters.js';
import type { RewriteResult, RowFilterLookup } from './types.js';

let rewriter: StatementRewriter;
beforeAll(async () => {
  await loadModule();
  rewriter = await createStatementRewriter({ cacheBytes: 0 });
});

function rewrite(text: string, filterFor: RowFilterLookup = filterTable('customers', EU)): RewriteResult {
  return rewriter.rewrite({ text, dialect: 'postgres', database: 'app', filterFor });
}

function rewrittenText(text: string, filterFor?: RowFilterLookup): string {
  const result = rewrite(text, filterFor);
  if (result.kind !== 'rewritten') throw new Error(`expected a rewrite, got ${JSON.stringify(result)}`);
  return result.text;
}

const FILTERED = `(SELECT * FROM customers AS "gatehouse_rf" WHERE ("gatehouse_rf"."region" = 'eu'))`;

describe('PostgreSQL row-filter rewrite: reads', () => {
  it('wraps a plain FROM reference, keeping the visible name', () => {
    expect(rewrittenText('SELECT name FROM customers WHERE id > 3')).toBe(`SELECT name FROM ${FILTERED} AS "customers" WHERE id > 3`);
    expect(rewrite('SELECT 1 FROM customers')).toMatchObject({ tables: ['app.public.customers'] });
  });

  it('keeps aliases, column alias lists and schema-qualified names as written', () => {
    expect(rewrittenText('SELECT c.a FROM public.customers AS c(a, b) JOIN orders o ON o.cid = c.a')).toBe(
      `SELECT c.a FROM (SELECT * FROM public.customers AS "gatehouse_rf" WHERE ("gatehouse_rf"."region" = 'eu')) AS c(a, b) JOIN orders o ON o.cid = c.a`,
    );
  });

  it('rewrites joins, subqueries, set operations and both sides of a self-join', () => {
    const text = rewrittenText(
      'SELECT * FROM customers a JOIN customers b ON a.id = b.ref WHERE a.id IN (SELECT id FROM customers) UNION ALL SELECT * FROM customers x, customers y',
    );
    expect(text.match(/"gatehouse_rf"\."region" = 'eu'/g)).toHaveLength(5);
    expect(() => parseSync(text)).not.toThrow();
  });

  it('treats a CTE named like the table as the CTE, and its own body reference as the table', () => {
    expect(rewrittenText('WITH customers AS (SELECT * FROM customers WHERE id > 1) SELECT * FROM customers')).toBe(
      `WITH customers AS (SELECT * FROM ${FILTERED} AS "customers" WHERE id > 1) SELECT * FROM customers`,
    );
    // Schema-qualified: always the table, even with a CTE of that name in scope.
    expect(rewrittenText('WITH customers AS (SELECT 1) SELECT * FROM customers, public.customers p')).toContain(
      `SELECT * FROM customers, (SELECT * FROM public.customers AS "gatehouse_rf"`,
    );
  });

  it('in WITH RECURSIVE every CTE name is visible in every body', () => {
    expect(rewrite('WITH RECURSIVE customers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM customers WHERE n < 3) SELECT * FROM customers')).toEqual({
      kind: 'unchanged',
    });
  });

  it('moves ONLY inside, keeps an inheritance star, and expands TABLE t', () => {
    expect(rewrittenText('SELECT * FROM ONLY customers')).toBe(`SELECT * FROM (SELECT * FROM ONLY customers AS "gatehouse_rf" WHERE ("gatehouse_rf"."region" = 'eu')) AS "customers"`);
    expect(rewrittenText('SELECT * FROM customers *')).toContain('FROM customers * AS "gatehouse_rf"');
    expect(rewrittenText('TABLE customers')).toBe(`SELECT * FROM ${FILTERED} AS "customers"`);
  });

  it('counts, prepared statements and EXPLAIN are rewritten', () => {
    expect(rewrittenText('SELECT count(*) FROM customers')).toBe(`SELECT count(*) FROM ${FILTERED} AS "customers"`);
    expect(rewrittenText('SELECT * FROM customers WHERE id = $1')).toBe(`SELECT * FROM ${FILTERED} AS "customers" WHERE id = $1`);
    expect(rewrittenText('EXPLAIN SELECT * FROM customers')).toBe(`EXPLAIN SELECT * FROM ${FILTERED} AS "customers"`);
  });

  it('finds byte locations after multibyte characters', () => {
    expect(rewrittenText("SELECT 'é😀' AS x, * FROM customers")).toBe(`SELECT 'é😀' AS x, * FROM ${FILTERED} AS "customers"`);
  });

  it('leaves statements without a filtered table alone', () => {
    expect(rewrite('SELECT * FROM orders')).toEqual({ kind: 'unchanged' });
    expect(rewrite('SET search_path = app')).toEqual({ kind: 'unchanged' });
  });

  it('resolves unqualified names with the session schema like the classifier does', () => {
    const onlyPublic: RowFilterLookup = (name) => (name === 'app.public.customers' ? { predicate: EU, rules: ['r'] } : undefined);
    expect(rewriter.rewrite({ text: 'SELECT * FROM customers', dialect: 'postgres', database: 'app', schema: 'sales', filterFor: onlyPublic })).toEqual({ kind: 'unchanged' });
    expect(rewriter.rewrite({ text: 'SELECT * FROM customers', dialect: 'postgres', database: 'app', filterFor: onlyPublic }).kind).toBe('rewritten');
  });
});

describe('PostgreSQL row-filter rewrite: writes', () => {
  it('ANDs the predicate into the WHERE of UPDATE and DELETE, qualified by the alias', () => {
    expect(rewrittenText('UPDATE customers c SET name = $1 WHERE id = $2 RETURNING *')).toBe(
      `UPDATE customers c SET name = $1 WHERE ("c"."region" = 'eu') AND (id = $2) RETURNING *`,
    );
    expect(rewrittenText('DELETE FROM customers WHERE id = 1 OR id = 2')).toBe(
      `DELETE FROM customers WHERE ("customers"."region" = 'eu') AND (id = 1 OR id = 2)`,
    );
    expect(rewrittenText('DELETE FROM customers')).toBe(`DELETE FROM customers WHERE ("customers"."region" = 'eu')`);
  });

  it('keeps a trailing comment after the WHERE outside the condition', () => {
    expect(rewrittenText('DELETE FROM customers WHERE id = 1 -- why\n')).toBe(`DELETE FROM customers WHERE ("customers"."region" = 'eu') AND (id = 1) -- why\n`);
  });

  it('rewrites UPDATE … FROM and DELETE … USING sources and data-modifying CTEs', () => {
    const text = rewrittenText('WITH d AS (DELETE FROM customers WHERE id = 1 RETURNING id) UPDATE orders o SET x = 1 FROM customers c WHERE o.cid = c.id');
    expect(text).toContain(`DELETE FROM customers WHERE ("customers"."region" = 'eu') AND (id = 1) RETURNING id`);
    expect(text).toContain(`FROM ${FILTERED.replace('customers AS', 'customers AS')} AS c WHERE`);
    expect(() => parseSync(text)).not.toThrow();
  });

  it('refuses an UPDATE that sets a filtered column, WHERE CURRENT OF, and MERGE into a filtered table', () => {
    expect(rewrite("UPDATE customers SET region = 'eu' WHERE id = 1")).toEqual({
      kind: 'refused',
      reason: 'UPDATE of app.public.customers sets column region, which the row filter of rule support-sees-own-region depends on',
    });
    expect(rewrite('DELETE FROM customers WHERE CURRENT OF cur').kind).toBe('refused');
    expect(rewrite('MERGE INTO customers c USING orders o ON o.cid = c.id WHEN MATCHED THEN DELETE')).toMatchObject({ kind: 'refused' });
  });

  it('checks literal INSERT rows and refuses a row outside the filter without naming its value', () => {
    expect(rewrite("INSERT INTO customers (id, region) VALUES (1, 'eu'), (2, 'eu'::text)")).toEqual({
      kind: 'rewritten',
      text: "INSERT INTO customers (id, region) VALUES (1, 'eu'), (2, 'eu'::text)",
      tables: ['app.public.customers'],
    });
    const refused = rewrite("INSERT INTO customers (id, region) VALUES (1, 'eu'), (2, 'us')");
    expect(refused).toEqual({ kind: 'refused', reason: 'INSERT into app.public.customers: row 2 is outside the row filter of rule support-sees-own-region' });
    expect(JSON.stringify(refused)).not.toContain("'us'");
  });

  it('refuses INSERTs it cannot check: parameters, INSERT … SELECT, missing column, ON CONFLICT DO UPDATE', () => {
    expect(rewrite('INSERT INTO customers (id, region) VALUES ($1, $2)')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('parameter') });
    expect(rewrite('INSERT INTO customers (id, region) SELECT id, region FROM staging').kind).toBe('refused');
    expect(rewrite('INSERT INTO customers (id) VALUES (1)')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('must name column region') });
    expect(rewrite("INSERT INTO customers (id, region) VALUES (1, 'eu') ON CONFLICT (id) DO UPDATE SET name = 'x'").kind).toBe('refused');
    expect(rewrite("INSERT INTO customers (id, region) VALUES (1, 'eu') ON CONFLICT DO NOTHING").kind).toBe('rewritten');
  });
});

describe('PostgreSQL row-filter rewrite: refusals', () => {
  it.each([
    ['COPY of the table', 'COPY customers TO STDOUT'],
    ['TRUNCATE', 'TRUNCATE customers'],
    ['a view definition', 'CREATE VIEW v AS SELECT * FROM customers'],
    ['a materialized view definition', 'CREATE MATERIALIZED VIEW v AS SELECT * FROM customers'],
    ['dynamic SQL', 'EXECUTE prepared_statement'],
    ['TABLESAMPLE', 'SELECT * FROM customers TABLESAMPLE SYSTEM (10)'],
    ['LOCK', 'LOCK TABLE customers'],
    ['a parse failure', 'SELECT * FROM customers WHERE'],
    ['an unterminated string', "SELECT * FROM customers WHERE a = 'x"],
  ])('%s', (_, text) => {
    const result = rewrite(text);
    expect(result.kind).toBe('refused');
  });

  it('rewrites COPY (query), CREATE TABLE AS and INSERT … SELECT, which copy only what the query reads', () => {
    expect(rewrittenText('COPY (SELECT * FROM customers) TO STDOUT')).toBe(`COPY (SELECT * FROM ${FILTERED} AS "customers") TO STDOUT`);
    expect(rewrittenText('CREATE TABLE t AS SELECT * FROM customers')).toBe(`CREATE TABLE t AS SELECT * FROM ${FILTERED} AS "customers"`);
    expect(rewrittenText('INSERT INTO archive (id) SELECT id FROM customers')).toBe(`INSERT INTO archive (id) SELECT id FROM ${FILTERED} AS "customers"`);
  });
});

describe('PostgreSQL row-filter rewrite: hostile attribute values', () => {
  /** String literals in the text, by the lexer (the authority on quoting). */
  const stringLiterals = (text: string) => lexPostgres(text).tokens.filter((t) => t.kind === 'string').length;

  it.each(HOSTILE_VALUES.map((value) => [value]))('%j stays one literal and the text re-parses', (value) => {
    const filter = filterTable('customers', { kind: 'in', column: 'region', values: [value, 'eu'] });
    const original = "SELECT * FROM customers c WHERE c.name <> 'x'";
    const text = rewrittenText(original, filter);
    expect(() => parseSync(text)).not.toThrow();
    expect(stringLiterals(text)).toBe(stringLiterals(original) + 2);
    expect(lexPostgres(text).problems).toEqual([]);
  });

  it('fuzz: random values never change the statement shape (seeded)', () => {
    const random = seeded(Number(process.env.REWRITE_FUZZ_SEED ?? 10));
    for (let i = 0; i < 400; i++) {
      const values = [hostileString(random), hostileString(random)];
      const filter = filterTable('customers', {
        kind: 'or',
        predicates: [
          { kind: 'eq', column: 'region', value: values[0]! },
          { kind: 'not', predicate: { kind: 'in', column: 'tenant', values: [values[1]!, 7, null] } },
        ],
      });
      const text = rewrittenText('SELECT * FROM customers JOIN orders USING (id)', filter);
      const tree = parseSync(text) as { stmts: unknown[] };
      expect(tree.stmts, `case ${i}`).toHaveLength(1);
      expect(stringLiterals(text), `case ${i}`).toBe(2);
    }
  });

  it('refuses values it cannot represent: NUL, a lone surrogate, a non-finite number', () => {
    expect(rewrite('SELECT * FROM customers', filterTable('customers', { kind: 'eq', column: 'region', value: 'e\u0000u' })).kind).toBe('refused');
    expect(rewrite('SELECT * FROM customers', filterTable('customers', { kind: 'eq', column: 'region', value: '\ud800' })).kind).toBe('refused');
    expect(rewrite('SELECT * FROM customers', filterTable('customers', { kind: 'eq', column: 'n', value: Number.NaN })).kind).toBe('refused');
  });

  it('quotes hostile column names as one identifier', () => {
    const text = rewrittenText('SELECT * FROM customers', filterTable('customers', { kind: 'eq', column: 'a" = \'x\' OR "b', value: 1 }));
    expect(text).toContain(`"gatehouse_rf"."a"" = 'x' OR ""b" = 1`);
    expect(() => parseSync(text)).not.toThrow();
  });
});
