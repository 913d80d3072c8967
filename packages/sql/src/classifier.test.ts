import { describe, expect, it } from 'vitest';
import { createSqlClassifier } from './classifier.js';
import { POSTGRES_CORPUS } from './postgres/corpus.js';
import { seeded } from './rewrite/test-filters.js';

describe('createSqlClassifier', () => {
  it('classifies over-long statements as unknown/too-large without parsing', async () => {
    const classifier = await createSqlClassifier({ maxStatementBytes: 100 });
    const secret = 'x'.repeat(200);
    const [action] = classifier.classify(`SELECT '${secret}'`, { dialect: 'postgres' });
    expect(action?.category).toBe('unknown');
    expect(action?.flags).toContain('too-large');
    expect(action?.redactedText).not.toContain(secret);
  });

  it('returns no actions for empty text and comments only', async () => {
    const classifier = await createSqlClassifier();
    expect(classifier.classify('  ;  ; ', { dialect: 'mysql' })).toEqual([]);
  });

  it('serves a repeated statement from the exact cache', async () => {
    const classifier = await createSqlClassifier();
    for (const text of ['SELECT 1', 'SELECT now()']) {
      const first = classifier.classify(text, { dialect: 'postgres' });
      const second = classifier.classify(text, { dialect: 'postgres' });
      expect(second).toBe(first);
    }
    expect(classifier.stats.exactHits).toBe(2);
  });

  it('answers a plain literal-varying text by its literal shape, as the full path would', async () => {
    const classifier = await createSqlClassifier();
    const cold = await createSqlClassifier({ cacheEntries: 0 });
    const context = { dialect: 'postgres', database: 'app' } as const;
    const texts = [1, 22, 1, 333_333, 7].map((aid) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${aid};`);
    for (const text of texts) expect(classifier.classify(text, context)).toStrictEqual(cold.classify(text, context));
    // The first text, repeated, is the one exact hit.
    expect(classifier.stats).toEqual({ exactHits: 1, fingerprintHits: 3, misses: 1 });
    // Another context is another shape.
    classifier.classify(texts[0]!, { dialect: 'postgres', database: 'other' });
    expect(classifier.stats.misses).toBe(2);
  });

  it('caches a parameterized text verbatim even when its shape was first seen with literals', async () => {
    const classifier = await createSqlClassifier();
    classifier.classify('SELECT abalance FROM pgbench_accounts WHERE aid = 42', { dialect: 'postgres' });
    const first = classifier.classify('SELECT abalance FROM pgbench_accounts WHERE aid = $1', { dialect: 'postgres' });
    const second = classifier.classify('SELECT abalance FROM pgbench_accounts WHERE aid = $1', { dialect: 'postgres' });
    expect(second).toBe(first);
    expect(classifier.stats.exactHits).toBe(1);
    // A literal-varying text is not kept verbatim once its shape is known.
    classifier.classify('SELECT abalance FROM pgbench_accounts WHERE aid = 43', { dialect: 'postgres' });
    classifier.classify('SELECT abalance FROM pgbench_accounts WHERE aid = 43', { dialect: 'postgres' });
    expect(classifier.stats.exactHits).toBe(1);
  });

  it('gives the same actions as the uncached full path, to the byte, over the corpus with varied literals', async () => {
    const classifier = await createSqlClassifier();
    const cold = await createSqlClassifier({ cacheEntries: 0 });
    const random = seeded(11);
    const context = { dialect: 'postgres', database: 'app', schema: 'public' } as const;
    for (let round = 0; round < 3; round++) {
      for (const { sql } of POSTGRES_CORPUS) {
        const text = round === 0 ? sql : sql.replace(/\b\d+\b/g, () => String(Math.floor(random() * 10_000))).replace(/'[^']*'/g, () => `'v${round}'`);
        const cached = classifier.classify(text, context);
        const expected = cold.classify(text, context);
        expect({ text, actions: cached }).toStrictEqual({ text, actions: expected });
        expect(JSON.stringify(cached)).toBe(JSON.stringify(expected));
      }
    }
    // The corpus's literal-varying statements were answered by shape.
    expect(classifier.stats.fingerprintHits).toBeGreaterThan(100);
  });

  it('builds the redacted text on demand, and it survives spreading, cloning and JSON', async () => {
    const classifier = await createSqlClassifier();
    classifier.classify("SELECT name FROM users WHERE email = 'a@example.com'", { dialect: 'postgres' });
    const [action] = classifier.classify("SELECT name /* note */ FROM users WHERE email = 'b@example.com'", { dialect: 'postgres' });
    const expected = 'SELECT name /* … */ FROM users WHERE email = ?';
    expect(action?.fingerprint).toBe('SELECT name FROM users WHERE email = ?');
    expect({ ...action }.redactedText).toBe(expected);
    expect(structuredClone(action)?.redactedText).toBe(expected);
    expect(JSON.parse(JSON.stringify(action)).redactedText).toBe(expected);
    expect(action?.redactedText).toBe(expected);
  });
});
