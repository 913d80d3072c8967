import type { Decision, Target } from '@gatehouse/core';
import { createSqlClassifier } from '@gatehouse/sql';
import type { SqlClassifier } from '@gatehouse/sql';
import { beforeAll, describe, expect, it } from 'vitest';
import { dbSystemName, rulesLabel, statementSemantics } from './db-semantics.js';

const TARGET: Target = { connection: 'app', environment: 'prod', dialect: 'postgres', database: 'shop' };
const ALLOW: Decision = { effect: 'allow', rules: ['app-reads'], reason: 'allowed by rule app-reads', risk: { score: 2, factors: [{ name: 'category:read', points: 2 }] }, obligations: { audit: 'standard' }, observed: [] };

describe('statementSemantics (DB client semconv)', () => {
  let classifier: SqlClassifier;
  beforeAll(async () => {
    classifier = await createSqlClassifier();
  }, 60_000);
  const outcomeOf = (sql: string) => ({ actions: classifier.classify(sql, { dialect: 'postgres', database: 'shop' }), decision: ALLOW });

  it('names the span by the query summary and carries the redacted text only', () => {
    const semantics = statementSemantics(outcomeOf("SELECT name FROM customers WHERE email = 'ann@example.com'"), TARGET);
    expect(semantics.spanName).toBe('SELECT public.customers');
    expect(semantics.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.namespace': 'shop',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'public.customers',
      'db.query.summary': 'SELECT public.customers',
      'gatehouse.decision.effect': 'allow',
      'gatehouse.policy.rules': ['app-reads'],
      'gatehouse.risk.score': 2,
    });
    expect(String(semantics.attributes['db.query.text'])).not.toContain('ann@example.com');
    expect(JSON.stringify(semantics)).not.toContain('ann@example.com');
    expect(semantics.readOnly).toBe(true);
    expect(semantics.metricAttributes).toEqual({ 'db.system.name': 'postgresql', 'db.namespace': 'shop', 'db.operation.name': 'SELECT', 'db.collection.name': 'public.customers' });
  });

  it('makes a multi-statement text a batch and leaves out the collection when there are several', () => {
    const semantics = statementSemantics(outcomeOf('SELECT 1 FROM a; SELECT 2 FROM b'), TARGET);
    expect(semantics.attributes['db.operation.name']).toBe('BATCH SELECT');
    expect(semantics.attributes['db.operation.batch.size']).toBe(2);
    expect(semantics.attributes['db.collection.name']).toBeUndefined();
    expect(semantics.spanName).toBe('SELECT public.a; SELECT public.b');
    const mixed = statementSemantics(outcomeOf("INSERT INTO a VALUES (1); DELETE FROM b WHERE id = 7"), TARGET);
    expect(mixed.attributes['db.operation.name']).toBe('BATCH');
    expect(mixed.readOnly).toBe(false);
  });

  it('maps every dialect to its db.system.name', () => {
    expect(['postgres', 'mysql', 'mssql', 'mongodb'].map((dialect) => dbSystemName(dialect as Target['dialect']))).toEqual([
      'postgresql',
      'mysql',
      'microsoft.sql_server',
      'mongodb',
    ]);
  });

  it('labels rules in a stable order, the default deny included', () => {
    expect(rulesLabel(['b', 'a'])).toBe('a,b');
    expect(rulesLabel([])).toBe('(default)');
  });
});
