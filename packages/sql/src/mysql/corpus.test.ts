import type { Action } from '@gatehouse/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlClassifier } from '../classifier.js';
import { createSqlClassifier } from '../classifier.js';
import { MYSQL_CORPUS } from './corpus.js';

let classifier: SqlClassifier;
beforeAll(async () => {
  classifier = await createSqlClassifier();
});

function describeObjects(action: Action): string[] {
  return action.objects.map((o) => `${o.access} ${o.kind} ${o.name}`).sort();
}

describe('mysql classification corpus', () => {
  it('has at least 150 cases', () => {
    expect(MYSQL_CORPUS.length).toBeGreaterThanOrEqual(150);
  });

  it.each(MYSQL_CORPUS.map((c, i) => [i, c.sql, c] as const))('#%i %s', (_i, sql, expected) => {
    const actions = classifier.classify(sql, { dialect: 'mysql', database: 'app' });
    const action = actions[expected.statement ?? 0];
    expect(action, 'action').toBeDefined();
    if (!action) return;
    expect({ category: action.category, operation: action.operation }).toEqual({
      category: expected.category,
      operation: expected.operation,
    });
    expect(describeObjects(action)).toEqual([...(expected.objects ?? [])].sort());
    expect([...action.flags].sort()).toEqual([...(expected.flags ?? [])].sort());
    for (const [key, columns] of Object.entries(expected.columns ?? {})) {
      const [access, name] = key.split(' ');
      const object = action.objects.find((o) => o.access === access && o.name === name);
      expect([...(object?.columns ?? [])].sort(), key).toEqual([...columns].sort());
    }
    if (expected.lineage) {
      expect(
        (action.lineage ?? []).map((l) => ({ output: l.output, sources: [...l.sources].sort(), direct: l.direct })),
      ).toEqual(expected.lineage.map((l) => ({ output: l.output, sources: [...l.sources].sort(), direct: l.direct })));
    }
    // Never a read when the statement is doubtful, and no literal in what leaves the package.
    if (action.flags.includes('parse-error')) expect(action.category).toBe('unknown');
  });
});
