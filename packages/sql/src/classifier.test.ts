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
});
