import { describe, expect, it } from 'vitest';
import { createSqlClassifier } from './classifier.js';

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
    const first = classifier.classify('SELECT 1', { dialect: 'postgres' });
    const second = classifier.classify('SELECT 1', { dialect: 'postgres' });
    expect(second).toBe(first);
    expect(classifier.stats.exactHits).toBe(1);
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
