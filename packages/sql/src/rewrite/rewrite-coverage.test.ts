import { loadModule, parseSync } from 'libpg-query';
import mysqlBuild from 'node-sql-parser/build/mysql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { createStatementRewriter } from './statement-rewriter.js';
import type { StatementRewriter } from './statement-rewriter.js';
import { EU, filterTable, seeded } from './test-filters.js';

/**
 * Property: in whatever nesting a statement reads the filtered table (joins, subqueries in FROM and
 * WHERE, CTE bodies, set operations, UPDATE/DELETE sources), the rewritten text re-parses and every
 * reference to the table is the inner scan of a filter (alias gatehouse_rf) or an UPDATE/DELETE
 * target whose WHERE carries the predicate.
 */
let rewriter: StatementRewriter;
beforeAll(async () => {
  await loadModule();
  rewriter = await createStatementRewriter({ cacheBytes: 0 });
});

function generator(seed: number, dialect: 'postgres' | 'mysql') {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const tables = dialect === 'postgres' ? ['customers', 'orders', 'public.customers', '"customers"', 'app.public.customers'] : ['customers', 'orders', 'app.customers', '`customers`'];
  let aliases = 0;
  const alias = () => `t${aliases++}`;
  const fromItem = (depth: number): string => {
    if (depth < 3 && random() < 0.25) return `(${select(depth + 1)}) AS ${alias()}`;
    // Always aliased: two unaliased references to one table in a FROM list are an error anyway.
    return `${pick(tables)} ${random() < 0.5 ? 'AS ' : ''}${alias()}`;
  };
  const fromList = (depth: number): string => {
    let text = fromItem(depth);
    while (random() < 0.35) {
      const join = pick(['JOIN', 'LEFT JOIN', 'CROSS JOIN']);
      text += ` ${join} ${fromItem(depth)}${join === 'CROSS JOIN' ? '' : ' ON 1 = 1'}`;
    }
    return text;
  };
  const select = (depth: number): string => {
    let text = `SELECT 1 AS id FROM ${fromList(depth)}`;
    if (depth < 3 && random() < 0.3) text += ` WHERE 1 IN (${select(depth + 1)})`;
    if (depth < 3 && random() < 0.2) text += ` UNION ALL ${select(depth + 1)}`;
    return text;
  };
  return (): string => {
    aliases = 0;
    const roll = random();
    const withClause = random() < 0.3 ? `WITH w AS (${select(1)}) ` : '';
    if (roll < 0.15) return `DELETE FROM customers WHERE id IN (${select(1)})`;
    if (roll < 0.3) return `UPDATE customers SET name = name WHERE id IN (SELECT id FROM (${select(1)}) AS d)`;
    return `${withClause}${select(0)}`;
  };
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

describe('row-filter rewrite covers every reference (generated statements)', () => {
  it('postgres', () => {
    const next = generator(Number(process.env.REWRITE_FUZZ_SEED ?? 21), 'postgres');
    const filterFor = filterTable('customers', EU);
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const text = next();
      const result = rewriter.rewrite({ text, dialect: 'postgres', database: 'app', filterFor });
      expect(result.kind, `${i}: ${text}`).toBe(/customers/.test(text) ? 'rewritten' : 'unchanged');
      if (result.kind !== 'rewritten') continue;
      const tree = parseSync(result.text);
      for (const [node, path] of nodes(tree)) {
        if (node['relname'] !== 'customers') continue;
        const alias = (node['alias'] as { aliasname?: string } | undefined)?.aliasname;
        const isTarget = path.at(-1) === 'relation' && (path.at(-2) === 'UpdateStmt' || path.at(-2) === 'DeleteStmt');
        expect(alias === 'gatehouse_rf' || isTarget, `${i}: ${result.text}`).toBe(true);
        checked++;
      }
      if (/^(UPDATE|DELETE)/.test(text)) expect(result.text, `${i}`).toMatch(/ WHERE \("customers"\."region" = 'eu'\) AND \(id IN \(.*\)\)$/);
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('mysql', () => {
    const next = generator(Number(process.env.REWRITE_FUZZ_SEED ?? 22), 'mysql');
    const filterFor = filterTable('customers', EU);
    const parser = new mysqlBuild.Parser();
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const text = next();
      const result = rewriter.rewrite({ text, dialect: 'mysql', database: 'app', filterFor });
      expect(result.kind, `${i}: ${text} ${JSON.stringify(result)}`).toBe(/customers/.test(text) ? 'rewritten' : 'unchanged');
      if (result.kind !== 'rewritten') continue;
      const ast = parser.astify(result.text.replaceAll("_utf8mb4 X'", "X'"), { database: 'MySQL' });
      for (const [node, path] of nodes(ast)) {
        if (node['type'] !== undefined || typeof node['table'] !== 'string' || !('db' in node)) continue;
        if (String(node['table']).replaceAll('`', '') !== 'customers') continue;
        const isTarget = path[0] === 'table' || (path[0] === 'from' && /^(UPDATE|DELETE)/.test(text));
        expect(node['as'] === 'gatehouse_rf' || isTarget, `${i}: ${result.text}`).toBe(true);
        checked++;
      }
      if (/^(UPDATE|DELETE)/.test(text)) expect(result.text, `${i}`).toMatch(/ WHERE \(`customers`\.`region` = _utf8mb4 X'6575'\) AND \(id IN \(.*\)\)$/);
    }
    expect(checked).toBeGreaterThan(300);
  });
});
