import type { Action, Decision, Target } from '@gatehouse/core';
import { createSqlClassifier } from '@gatehouse/sql';
import type { SqlClassifier } from '@gatehouse/sql';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUERY_TEXT_CHARS, StatementShapes } from './statement-shapes.js';

const TARGET: Target = { connection: 'app', environment: 'prod', dialect: 'postgres', database: 'shop' };
const DECISION: Decision = { effect: 'allow', rules: ['r'], reason: 'allowed', risk: { score: 0, factors: [] }, obligations: { audit: 'standard' }, observed: [] };
const CONTEXT = { target: TARGET, statementAttributes: { 'gatehouse.connection': 'app', 'server.port': 5432 }, metricAttributes: { 'gatehouse.connection': 'app' } };

describe('StatementShapes', () => {
  let classifier: SqlClassifier;
  beforeAll(async () => {
    classifier = await createSqlClassifier();
  }, 60_000);
  const outcomeOf = (sql: string) => ({ actions: classifier.classify(sql, { dialect: 'postgres', database: 'shop' }), decision: DECISION });

  it('works a statement shape out once: other literals reuse the same frozen attribute objects', () => {
    const shapes = new StatementShapes(CONTEXT, false);
    const first = shapes.of(outcomeOf('SELECT abalance FROM accounts WHERE aid = 1'));
    const second = shapes.of(outcomeOf('SELECT abalance FROM accounts WHERE aid = 2'));
    expect(second).toBe(first);
    expect(Object.isFrozen(first.spanAttributes)).toBe(true);
    expect(first.spanName).toBe('SELECT public.accounts');
    expect(first.spanAttributes).toMatchObject({ 'db.query.text': 'SELECT abalance FROM accounts WHERE aid = ?', 'gatehouse.connection': 'app', 'server.port': 5432 });
    // The decision differs between executions of one shape: it is never part of the shape.
    expect(first.spanAttributes).not.toHaveProperty('gatehouse.decision.effect');
    expect(first.spanAttributes).not.toHaveProperty('gatehouse.statement.fingerprint');
    expect(first.metricAttributes).toEqual({ 'db.system.name': 'postgresql', 'db.namespace': 'shop', 'db.operation.name': 'SELECT', 'db.collection.name': 'public.accounts', 'gatehouse.connection': 'app' });
    expect(JSON.stringify(first)).not.toMatch(/aid = [12]/);
  });

  it('tells apart statements that share a fingerprint but not what their span shows', () => {
    const shapes = new StatementShapes(CONTEXT, true);
    const action = outcomeOf('SELECT abalance FROM accounts WHERE aid = 1').actions[0]!;
    const first = shapes.of({ actions: [action], decision: DECISION });
    const respaced: Action = { ...action, redactedText: 'SELECT  abalance  FROM accounts WHERE aid = ?' };
    const other = shapes.of({ actions: [respaced], decision: DECISION });
    expect(other).not.toBe(first);
    expect(other.spanAttributes['db.query.text']).toBe('SELECT  abalance  FROM accounts WHERE aid = ?');
    expect(other.spanAttributes['gatehouse.statement.fingerprint']).toEqual([action.fingerprint]);
  });

  it('cuts a very long redacted text', () => {
    const shapes = new StatementShapes(CONTEXT, false);
    const values = Array.from({ length: 2_000 }, (_, i) => `(${i}, 'name ${i}')`).join(', ');
    const shape = shapes.of(outcomeOf(`INSERT INTO people (id, name) VALUES ${values}`));
    const text = String(shape.spanAttributes['db.query.text']);
    expect(text.length).toBe(MAX_QUERY_TEXT_CHARS);
    expect(text.endsWith('…')).toBe(true);
    expect(text).not.toContain('name 1');
  });
});
