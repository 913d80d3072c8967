import type { Action } from '@gatehouse/core';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SqlClassifier } from '../classifier.js';
import { createSqlClassifier } from '../classifier.js';
import { POSTGRES_CORPUS } from './corpus.js';

const context = { dialect: 'postgres', database: 'app' } as const;

function objectKeys(action: Action): string[] {
  return action.objects.map((object) => `${object.access} ${object.kind} ${object.name}`).sort();
}

describe('postgres classification corpus', () => {
  let classifier: SqlClassifier;
  // A fresh classifier per case: the shared shape cache must not let one case answer another
  // (see the skipped test below).
  beforeEach(async () => {
    classifier = await createSqlClassifier();
  });

  it('holds at least 150 cases', () => {
    expect(POSTGRES_CORPUS.length).toBeGreaterThanOrEqual(150);
  });

  it.each(POSTGRES_CORPUS.map((c, i) => [`${i}: ${c.sql.replace(/\s+/g, ' ').slice(0, 90)}`, c] as const))(
    '%s',
    (_name, c) => {
      const actions = classifier.classify(c.sql, context);
      expect(actions).toHaveLength(c.count ?? 1);
      const action = actions[c.at ?? 0]!;
      expect({ category: action.category, operation: action.operation }).toEqual({
        category: c.category,
        operation: c.operation,
      });
      expect([...action.flags].sort()).toEqual([...(c.flags ?? [])].sort());
      expect(objectKeys(action)).toEqual([...(c.objects ?? [])].sort());
      for (const [key, columns] of Object.entries(c.columns ?? {})) {
        const object = action.objects.find((o) => `${o.access} ${o.kind} ${o.name}` === key);
        expect([...(object?.columns ?? [])].sort(), key).toEqual([...columns].sort());
      }
      if (c.lineage) {
        expect(action.lineage?.length ?? 0).toBe(c.lineage.length);
        c.lineage.forEach((expected, i) => {
          const actual = action.lineage![i]!;
          expect(actual.output).toBe(expected.output);
          expect([...actual.sources].sort()).toEqual([...expected.sources].sort());
          expect(actual.direct).toBe(expected.direct);
          if (expected.position !== undefined) expect(actual.position).toBe(expected.position);
        });
      }
      // No category is ever a silent read when the classifier was unsure.
      if (action.flags.includes('parse-error') || action.flags.includes('dynamic')) {
        expect(action.category).not.toBe('read');
      }
    },
  );
});

describe('postgres classification through the shared caches', () => {
  // The shape cache answers every statement with the same fingerprint alike, so no decision may
  // depend on a literal's value.
  it('does not let a harmless literal decide for a dangerous one of the same shape', async () => {
    const classifier = await createSqlClassifier();
    classifier.classify("SELECT set_config('application_name', 'x', false)", context);
    const [setConfig] = classifier.classify("SELECT set_config('log_statement', 'none', false)", context);
    expect(setConfig?.flags).toContain('security-setting');
    expect(setConfig?.category).toBe('admin');
    classifier.classify('EXPLAIN (ANALYZE 0) DELETE FROM t', context);
    const [explain] = classifier.classify('EXPLAIN (ANALYZE 1) DELETE FROM t', context);
    expect(explain?.category).toBe('write');
    expect(classifier.stats.fingerprintHits).toBe(2);
  });

  // An unterminated `SELECT 'x` has the fingerprint of a complete `SELECT 'y'`: the shared
  // classifier checks lexer problems before the shape cache, so it stays unknown.
  it('keeps unterminated text unknown after a complete statement of the same shape', async () => {
    const classifier = await createSqlClassifier();
    classifier.classify("SELECT 'complete'", context);
    const [action] = classifier.classify("SELECT 'unterminated", context);
    expect(action?.category).toBe('unknown');
  });
});
