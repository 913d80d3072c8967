import { beforeAll, describe, expect, it } from 'vitest';
import { lexMssql } from '../mssql/lexer.js';
import { parseTransactSql } from '../mssql/parser.js';
import { offsetPreservingParseText } from './offset-parse-text.js';
import { createStatementRewriter } from './statement-rewriter.js';
import type { StatementRewriter } from './statement-rewriter.js';
import { EU, filterTable, HOSTILE_VALUES, hostileString, seeded } from './test-filters.js';
import type { RewriteResult, RowFilterLookup } from './types.js';

let rewriter: StatementRewriter;
beforeAll(async () => {
  rewriter = await createStatementRewriter({ cacheBytes: 0 });
});

function rewrite(text: string, filterFor: RowFilterLookup = filterTable('customers', EU)): RewriteResult {
  return rewriter.rewrite({ text, dialect: 'mssql', database: 'app', filterFor });
}

function rewrittenText(text: string, filterFor?: RowFilterLookup): string {
  const result = rewrite(text, filterFor);
  if (result.kind !== 'rewritten') throw new Error(`expected a rewrite, got ${JSON.stringify(result)}`);
  return result.text;
}

/**
 * Re-parses with literals blanked, as the classifier does: node-sql-parser's T-SQL grammar reads a
 * backslash in a string as an escape, which SQL Server does not (our lexer is the authority).
 */
function parsesAsTSql(text: string): boolean {
  const tokens = lexMssql(text).tokens;
  return parseTransactSql(offsetPreservingParseText(text, tokens, 0, tokens.length)) !== undefined;
}

const FILTERED = `(SELECT * FROM customers AS [gatehouse_rf] WHERE ([gatehouse_rf].[region] = N'eu'))`;

describe('T-SQL row-filter rewrite', () => {
  it('binds strings as N literals with doubled quotes, identifiers in brackets', () => {
    expect(rewrittenText('SELECT TOP 5 name FROM customers')).toBe(`SELECT TOP 5 name FROM ${FILTERED} AS [customers]`);
    expect(rewrite('SELECT 1 FROM customers')).toMatchObject({ tables: ['app.dbo.customers'] });
  });

  it('rewrites joins, comma lists, subqueries and CTE bodies, keeping aliases as written', () => {
    const text = rewrittenText(
      'WITH x AS (SELECT * FROM dbo.customers) SELECT c.name FROM [customers] k, app.dbo.customers AS c JOIN orders o ON o.cid = c.id WHERE EXISTS (SELECT 1 FROM customers z WHERE z.id = o.cid) AND c.id IN (SELECT id FROM x)',
    );
    expect(text.match(/\[gatehouse_rf\]\.\[region\] = N'eu'/g)).toHaveLength(4);
    expect(text).toContain(') AS c JOIN orders o');
    expect(text).toContain(') AS k, (SELECT');
    expect(text).toContain(') AS z WHERE');
    expect(parsesAsTSql(text)).toBe(true);
  });

  it('ANDs the predicate into a single-table UPDATE/DELETE WHERE', () => {
    expect(rewrittenText('UPDATE customers SET name = @p1 WHERE id = @p2')).toBe(`UPDATE customers SET name = @p1 WHERE ([customers].[region] = N'eu') AND (id = @p2)`);
    expect(rewrittenText('DELETE TOP (2) FROM customers')).toBe(`DELETE TOP (2) FROM customers WHERE ([customers].[region] = N'eu')`);
  });

  it('checks literal INSERT rows, N strings included', () => {
    expect(rewrite("INSERT INTO customers (id, region) VALUES (1, N'eu'), (2, 'eu')").kind).toBe('rewritten');
    expect(rewrite("INSERT INTO customers (id, region) VALUES (1, N'us')")).toEqual({
      kind: 'refused',
      reason: 'INSERT into app.dbo.customers: row 1 is outside the row filter of rule support-sees-own-region',
    });
    expect(rewrite('INSERT INTO customers (id, region) VALUES (@p1, @p2)')).toMatchObject({ kind: 'refused', reason: expect.stringContaining('parameter') });
  });

  it.each([
    ['a table hint', 'SELECT * FROM customers c WITH (NOLOCK)'],
    ['a CTE named like the table', 'WITH customers AS (SELECT * FROM customers) SELECT * FROM customers'],
    ['UPDATE … FROM through an alias', 'UPDATE c SET name = 1 FROM customers c JOIN orders o ON o.cid = c.id'],
    ['DELETE with a join', 'DELETE c FROM customers c JOIN orders o ON o.cid = c.id'],
    ['an UPDATE of the filtered column', "UPDATE customers SET region = N'us'"],
    ['dynamic SQL', "EXEC sp_executesql N'SELECT * FROM customers'"],
    ['a statement the parser cannot read', 'DELETE FROM customers WHERE id = 1 OPTION (MAXDOP 1)'],
    ['MERGE', 'MERGE customers AS t USING orders AS s ON t.id = s.cid WHEN MATCHED THEN DELETE;'],
  ])('refuses %s', (_, text) => {
    expect(rewrite(text).kind).toBe('refused');
  });

  it('leaves statements that never name a filtered table alone', () => {
    expect(rewrite('SELECT * FROM orders')).toEqual({ kind: 'unchanged' });
    expect(rewrite('SET NOCOUNT ON')).toEqual({ kind: 'unchanged' });
  });

  it.each(HOSTILE_VALUES.map((value) => [value]))('hostile value %j stays one literal', (value) => {
    const text = rewrittenText("SELECT * FROM customers WHERE name <> 'x'", filterTable('customers', { kind: 'in', column: 'region', values: [value] }));
    expect(lexMssql(text).problems).toEqual([]);
    expect(lexMssql(text).tokens.filter((t) => t.kind === 'string')).toHaveLength(2);
    expect(parsesAsTSql(text)).toBe(true);
  });

  it('fuzz: random values and column names never change the statement shape (seeded)', () => {
    const random = seeded(Number(process.env.REWRITE_FUZZ_SEED ?? 12));
    for (let i = 0; i < 300; i++) {
      const filter = filterTable('customers', {
        kind: 'or',
        predicates: [
          { kind: 'eq', column: hostileString(random, 8) || 'c', value: hostileString(random) },
          { kind: 'not', predicate: { kind: 'in', column: 'tenant', values: [hostileString(random), 4, false] } },
        ],
      });
      const text = rewrittenText('SELECT * FROM customers', filter);
      expect(lexMssql(text).problems, `case ${i}`).toEqual([]);
      expect(lexMssql(text).tokens.filter((t) => t.kind === 'string'), `case ${i}`).toHaveLength(2);
    }
  });
});
