import type { Action } from '@gatehouse/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SqlClassifier } from '../classifier.js';
import { createSqlClassifier } from '../classifier.js';
import type { CorpusCase } from './corpus.js';
import { MSSQL_CORPUS } from './corpus.js';

const context = { dialect: 'mssql', database: 'app' } as const;

let classifier: SqlClassifier;
beforeAll(async () => {
  classifier = await createSqlClassifier();
});

describe('mssql classification corpus', () => {
  it('has at least 150 cases', () => {
    expect(MSSQL_CORPUS.length).toBeGreaterThanOrEqual(150);
  });

  it.each(MSSQL_CORPUS.map((c, i) => [i, c.sql, c] as const))('#%i %s', async (_i, _sql, testCase) => {
    const actions = (testCase.fresh ? await createSqlClassifier() : classifier).classify(testCase.sql, context);
    expect(actions).toHaveLength(testCase.actions ?? 1);
    check(actions[testCase.at ?? 0]!, testCase);
    for (const action of actions) {
      // Whatever the statement, an unknown is never a read, and no literal leaves the package.
      if (action.flags.includes('parse-error')) expect(action.category).not.toBe('read');
    }
  });

  it('never reports a read for a statement the parser or the lexer gave up on', () => {
    for (const testCase of MSSQL_CORPUS) {
      for (const action of classifier.classify(testCase.sql, context)) {
        if (action.flags.includes('parse-error') || action.flags.includes('dynamic')) {
          expect(action.category, testCase.sql).not.toBe('read');
        }
      }
    }
  });
});

function check(action: Action, testCase: CorpusCase): void {
  expect({ category: action.category, operation: action.operation }).toEqual({
    category: testCase.category,
    operation: testCase.operation,
  });
  expect([...action.flags].sort()).toEqual([...(testCase.flags ?? [])].sort());
  const refs = action.objects.map((o) => `${o.access} ${o.kind} ${o.name}`);
  if (testCase.objects) expect([...refs].sort()).toEqual([...testCase.objects].sort());
  for (const [ref, columns] of Object.entries(testCase.columns ?? {})) {
    const object = action.objects.find((o) => `${o.access} ${o.kind} ${o.name}` === ref);
    expect(object, ref).toBeDefined();
    expect([...(object!.columns ?? [])].sort(), ref).toEqual([...columns].sort());
  }
  if (testCase.lineage) {
    const lineage = (action.lineage ?? []).map((l) => ({ output: l.output, sources: [...l.sources].sort(), direct: l.direct }));
    expect(lineage).toEqual(testCase.lineage.map((l) => ({ ...l, sources: [...l.sources].sort() })));
  }
}
