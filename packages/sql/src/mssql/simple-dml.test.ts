import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { StatementClassification } from '../dialect-module.js';
import { MSSQL_SAMPLES, nearMisses, seededRandom, simpleStatement } from '../lexer/simple-shape-samples.js';
import { classifyDml } from './classify-dml.js';
import { MSSQL_CORPUS } from './corpus.js';
import { lexMssql } from './lexer.js';
import { scanStatements } from './scanner.js';
import { classifySimpleDml } from './simple-dml.js';
import { tokenView } from './token-view.js';

const DML_HEADS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);

/** Both paths for every top-level DML statement of `sql`: the fast one (null = fell back) and the parser's (run on demand: it is the slow one). */
function bothPaths(sql: string): Array<{ fast: StatementClassification | null; full: () => StatementClassification }> {
  const view = tokenView(lexMssql(sql), sql);
  const sc = { view, context: { dialect: 'mssql', database: 'app' } as const };
  const pairs: Array<{ fast: StatementClassification | null; full: () => StatementClassification }> = [];
  for (const node of scanStatements(view, 0, view.sig.length)) {
    if (node.kind !== 'simple' || !DML_HEADS.has(view.word(node.from))) continue;
    pairs.push({
      fast: classifySimpleDml(sc, node.from, node.to),
      full: () => classifyDml(sc, node.from, node.to, view.word(node.from)),
    });
  }
  return pairs;
}

function expectSameAsParser(sql: string): boolean {
  let fast = false;
  for (const pair of bothPaths(sql)) {
    if (!pair.fast) continue;
    fast = true;
    expect(pair.fast, sql).toStrictEqual(pair.full());
  }
  return fast;
}

/** The OLTP mix of tools/bench/src/oltp-corpus.ts (T-SQL), one literal variant. */
const OLTP = [
  'SELECT id, email, name FROM users WHERE id = 17',
  'SELECT o.id, o.total, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = 17',
  "INSERT INTO orders (user_id, total, status) VALUES (17, 17.50, N'new')",
  'UPDATE accounts SET balance = balance - 17 WHERE id = 17',
  'DELETE FROM sessions WHERE id = 17',
  "SELECT COUNT(*) FROM orders WHERE user_id = 17 AND status = N'paid'",
  "SELECT TOP 1 * FROM users WHERE email = N'user17@example.com'",
];

describe('mssql simple-shape fast path = parser path', () => {
  it('agrees on every DML statement of the classification corpus', () => {
    let fast = 0;
    for (const { sql } of MSSQL_CORPUS) if (expectSameAsParser(sql)) fast++;
    expect(fast).toBeGreaterThan(10);
  });

  it('agrees on the OLTP bench mix and takes the fast path for its simple shapes', () => {
    const taken = OLTP.filter((sql) => expectSameAsParser(sql));
    expect(taken).toEqual([OLTP[0], OLTP[2], OLTP[3], OLTP[4], OLTP[6]]);
  });

  it('agrees on 1,500 random simple statements, and takes the fast path for them', { timeout: 120_000 }, () => {
    const random = seededRandom(20261126);
    for (let n = 0; n < 1_500; n++) {
      const sql = simpleStatement(random, MSSQL_SAMPLES);
      expect(expectSameAsParser(sql), sql).toBe(true);
    }
  });

  it('falls back on near misses', { timeout: 120_000 }, () => {
    const random = seededRandom(7);
    for (const miss of nearMisses(MSSQL_SAMPLES)) {
      for (let n = 0; n < 40; n++) {
        const base = simpleStatement(random, MSSQL_SAMPLES);
        const sql = miss.apply(base);
        if (sql === base) continue;
        for (const pair of bothPaths(sql)) expect(pair.fast, `${miss.name}: ${sql}`).toBeNull();
      }
    }
  });

  it('agrees wherever a word of the parser\'s vocabulary stands for a name', { timeout: 300_000 }, () => {
    const words = parserVocabulary();
    expect(words.length).toBeGreaterThan(400);
    for (const word of words) {
      const w = word.toLowerCase();
      for (const sql of [
        `SELECT ${w} FROM t WHERE ${w} = 1 ORDER BY ${w}`,
        `SELECT a ${w}, b AS ${w} FROM t ${w} WHERE ${w}.a = @p1`,
        `SELECT TOP 1 * FROM ${w}.${w}.${w} WHERE a IN (1, 2) AND ${w} IS NOT NULL`,
        `INSERT INTO ${w} (${w}, a) VALUES (1, 'x')`,
        `UPDATE ${w} SET ${w} = ${w} + 1 WHERE ${w} BETWEEN 1 AND 2`,
        `DELETE FROM ${w} WHERE ${w} LIKE 'x%'`,
        `SELECT [${w}] FROM [${w}]`,
        `SELECT a FROM t ${w}`,
        `SELECT a ${w} FROM t`,
        `SELECT a FROM t ORDER BY ${w} DESC`,
        // After a qualifier dot even a reserved word is a name to the lexer.
        `SELECT t.${w} FROM db.${w} t WHERE t.${w} = @p1 ORDER BY t.${w}`,
        `UPDATE db.${w} SET a = 1 WHERE ${w}.${w} = 2`,
      ]) {
        expectSameAsParser(sql);
      }
    }
  });
});

/**
 * Every word node-sql-parser's TransactSQL build knows: its literal strings and its reserved-word
 * table, read from the build the classifier uses, so a parser upgrade is checked too.
 */
function parserVocabulary(): string[] {
  const source = readFileSync(createRequire(import.meta.url).resolve('node-sql-parser/build/transactsql.js'), 'utf8');
  const words = new Set<string>();
  for (const match of source.matchAll(/"([A-Za-z_][A-Za-z0-9_]{1,30})"/g)) words.add(match[1]!.toUpperCase());
  for (const match of source.matchAll(/[{,]([A-Z_][A-Z0-9_]*):!0/g)) words.add(match[1]!);
  return [...words];
}
