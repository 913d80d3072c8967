import type { StatementClassification } from '../dialect-module.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { MYSQL_SAMPLES, nearMisses, seededRandom, simpleStatement } from '../lexer/simple-shape-samples.js';
import { MYSQL_CORPUS } from './corpus.js';
import { MYSQL_NON_RESERVED } from './keywords.js';
import { lexMysql } from './lexer.js';
import { MysqlParser } from './parser.js';
import { classifyParsedQuery } from './query.js';
import { classifySimpleQuery } from './simple-query.js';
import { splitMysql } from './split.js';
import { Statement } from './statement.js';

const parser = new MysqlParser();
const QUERY_HEADS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);

/** Both paths for every query statement of `sql`: the fast one (null = fell back) and the parser's (run on demand: it is the slow one). */
function bothPaths(sql: string): Array<{ fast: StatementClassification | null; full: () => StatementClassification }> {
  const lexed = lexMysql(sql);
  return splitMysql(lexed, sql)
    .map((range) => Statement.fromRange(sql, lexed.tokens, range, { dialect: 'mysql', database: 'app' }))
    .filter((stmt) => QUERY_HEADS.has(stmt.word(0)))
    .map((stmt) => ({ fast: classifySimpleQuery(stmt), full: () => classifyParsedQuery(stmt, parser) }));
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

/** The OLTP mix of tools/bench/src/oltp-corpus.ts (MySQL), one literal variant. */
const OLTP = [
  'SELECT id, email, name FROM users WHERE id = 17',
  'SELECT o.id, o.total, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = 17',
  "INSERT INTO orders (user_id, total, status) VALUES (17, 17.50, 'new')",
  'UPDATE accounts SET balance = balance - 17 WHERE id = 17',
  'DELETE FROM sessions WHERE id = 17',
  "SELECT COUNT(*) FROM orders WHERE user_id = 17 AND status = 'paid'",
  "SELECT * FROM users WHERE email = 'user17@example.com' LIMIT 1",
];

describe('mysql simple-shape fast path = parser path', () => {
  it('agrees on every query of the classification corpus', () => {
    let fast = 0;
    for (const { sql } of MYSQL_CORPUS) if (expectSameAsParser(sql)) fast++;
    expect(fast).toBeGreaterThan(10);
  });

  it('agrees on the OLTP bench mix and takes the fast path for its simple shapes', () => {
    const taken = OLTP.filter((sql) => expectSameAsParser(sql));
    expect(taken).toEqual([OLTP[0], OLTP[2], OLTP[3], OLTP[4], OLTP[6]]);
  });

  it('agrees on 1,500 random simple statements, and takes the fast path for them', { timeout: 120_000 }, () => {
    const random = seededRandom(20261126);
    for (let n = 0; n < 1_500; n++) {
      const sql = simpleStatement(random, MYSQL_SAMPLES);
      expect(expectSameAsParser(sql), sql).toBe(true);
    }
  });

  it('falls back on near misses', { timeout: 120_000 }, () => {
    const random = seededRandom(7);
    for (const miss of nearMisses(MYSQL_SAMPLES)) {
      for (let n = 0; n < 40; n++) {
        const base = simpleStatement(random, MYSQL_SAMPLES);
        const sql = miss.apply(base);
        if (sql === base) continue;
        for (const pair of bothPaths(sql)) expect(pair.fast, `${miss.name}: ${sql}`).toBeNull();
      }
    }
  });

  it('agrees wherever a word of the parser\'s vocabulary stands for a name', { timeout: 300_000 }, () => {
    const words = new Set([...MYSQL_NON_RESERVED, ...parserVocabulary('mysql'), ...parserVocabulary('mariadb')]);
    expect(words.size).toBeGreaterThan(500);
    for (const word of words) {
      const w = word.toLowerCase();
      for (const sql of [
        `SELECT ${w} FROM t WHERE ${w} = 1 ORDER BY ${w}`,
        `SELECT a ${w}, b AS ${w} FROM t ${w} WHERE ${w}.a = ? LIMIT 1`,
        `SELECT * FROM ${w}.${w} WHERE a IN (1, 2) AND ${w} IS NOT NULL`,
        `INSERT INTO ${w} (${w}, a) VALUES (1, 'x')`,
        `UPDATE ${w} SET ${w} = ${w} + 1 WHERE ${w} BETWEEN 1 AND 2`,
        `DELETE FROM ${w} WHERE ${w} LIKE 'x%'`,
        `SELECT \`${w}\` FROM \`${w}\``,
        `SELECT a FROM t ${w}`,
        `SELECT a ${w} FROM t`,
        `SELECT a FROM t ORDER BY ${w} DESC`,
        // After a qualifier dot even a reserved word is a name to the lexer.
        `SELECT t.${w} FROM db.${w} t WHERE t.${w} = ? ORDER BY t.${w}`,
        `UPDATE db.${w} SET a = 1 WHERE ${w}.${w} = 2`,
      ]) {
        expectSameAsParser(sql);
      }
    }
  });
});

/**
 * Every word node-sql-parser's grammar build knows: its literal strings and its reserved-word
 * table, read from the build the classifier uses, so a parser upgrade is checked too.
 */
function parserVocabulary(build: 'mysql' | 'mariadb'): string[] {
  const source = readFileSync(createRequire(import.meta.url).resolve(`node-sql-parser/build/${build}.js`), 'utf8');
  const words = new Set<string>();
  for (const match of source.matchAll(/"([A-Za-z_][A-Za-z0-9_]{1,30})"/g)) words.add(match[1]!.toUpperCase());
  for (const match of source.matchAll(/[{,]([A-Z_][A-Z0-9_]*):!0/g)) words.add(match[1]!);
  return [...words];
}
