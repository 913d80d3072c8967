import type { Action, Decision, Principal, SqlDialect } from '@gatehouse/core';
import { loadPolicy } from '@gatehouse/policy';
import { createSqlClassifier } from '@gatehouse/sql';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_IDENTITIES, CONFORMANCE_POLICY_YAML, CONFORMANCE_RULES } from './conformance-policy.js';

// The suite's expectations hold only if the policy decides as intended for every dialect's
// statements; checked here, without servers, so a policy mistake is not mistaken for an adapter bug.

const engine = loadPolicy(CONFORMANCE_POLICY_YAML, 'conformance-policy.yaml');

/** Each SQL adapter's conformance target statements (its conformance.e2e.test.ts), as that target sends them. */
const STATEMENTS: Record<SqlDialect, { select: string; drop: string; delete: string; selectBig: string; slow: readonly string[] }> = {
  postgres: {
    select: 'SELECT id, name, email, ssn FROM people ORDER BY id',
    drop: 'DROP TABLE people',
    delete: 'DELETE FROM people',
    selectBig: 'SELECT id, email FROM big',
    slow: ['SELECT pg_sleep(10)'],
  },
  mysql: {
    select: 'SELECT id, name, email, ssn FROM people ORDER BY id',
    drop: 'DROP TABLE people',
    delete: 'DELETE FROM people',
    selectBig: 'SELECT id, email FROM big',
    // The stand-in-free default, and the MYSQL_URL variant.
    slow: ['SELECT SLEEP(10)', "SELECT BENCHMARK(2000000000, SHA1('x'))"],
  },
  mssql: {
    select: 'SELECT id, name, email, ssn FROM people ORDER BY id',
    drop: 'DROP TABLE people',
    delete: 'DELETE FROM people',
    selectBig: 'SELECT id, email FROM big',
    slow: ["WAITFOR DELAY '00:00:10'"],
  },
};

function principalOf(identity: (typeof CONFORMANCE_IDENTITIES)[keyof typeof CONFORMANCE_IDENTITIES]): Principal {
  return { id: identity.user, groups: [...identity.groups], kind: identity.kind, via: 'gateway-token' };
}

describe('the conformance policy', () => {
  let classify: (dialect: SqlDialect, text: string) => Action[];

  beforeAll(async () => {
    const classifier = await createSqlClassifier();
    classify = (dialect, text) => classifier.classify(text, { dialect, database: 'app' });
  });

  function decide(dialect: SqlDialect, who: keyof typeof CONFORMANCE_IDENTITIES, text: string): Decision {
    return engine.decide({
      principal: principalOf(CONFORMANCE_IDENTITIES[who]),
      target: { connection: 'conformance', environment: 'test', dialect },
      actions: classify(dialect, text),
    });
  }

  describe.each(Object.keys(STATEMENTS) as SqlDialect[])('%s', (dialect) => {
    const sql = STATEMENTS[dialect];

    it('lets the analyst read people with email and ssn masked', () => {
      const decision = decide(dialect, 'analyst', sql.select);
      expect(decision).toMatchObject({ effect: 'allow', rules: [CONFORMANCE_RULES.analystRead] });
      expect(decision.obligations.mask?.columns.map((rule) => [rule.pattern, rule.strategy.kind])).toEqual([
        ['**.people.email', 'partial'],
        ['**.people.ssn', 'redact'],
        ['**.big.email', 'partial'],
      ]);
    });

    it('lets the app read people without masks', () => {
      const decision = decide(dialect, 'app', sql.select);
      expect(decision).toMatchObject({ effect: 'allow', rules: [CONFORMANCE_RULES.appAll] });
      expect(decision.obligations.mask).toBeUndefined();
    });

    it('denies nobody by default', () => {
      expect(decide(dialect, 'nobody', sql.select)).toMatchObject({ effect: 'deny', rules: [] });
    });

    it('denies DROP TABLE even for the app, naming the rule', () => {
      expect(decide(dialect, 'app', sql.drop)).toMatchObject({ effect: 'deny', rules: [CONFORMANCE_RULES.noDrop] });
    });

    it('sends an unbounded DELETE by the app to review', () => {
      const decision = decide(dialect, 'app', sql.delete);
      expect(decision).toMatchObject({ effect: 'review', rules: [CONFORMANCE_RULES.reviewUnboundedDelete] });
      expect(decision.obligations.review?.mode).toBe('ticket');
    });

    it('lets the analyst stream big with its email masked (the big-result test)', () => {
      const decision = decide(dialect, 'analyst', sql.selectBig);
      expect(decision).toMatchObject({ effect: 'allow', rules: [CONFORMANCE_RULES.analystRead] });
      expect(decision.obligations.mask?.columns.map((rule) => rule.pattern)).toContain('**.big.email');
    });

    it('lets the app run the slow statement the cancel test interrupts', () => {
      for (const slow of sql.slow) expect(decide(dialect, 'app', slow), slow).toMatchObject({ effect: 'allow', rules: [CONFORMANCE_RULES.appAll] });
    });

    it('does not let the analyst write', () => {
      expect(decide(dialect, 'analyst', 'UPDATE people SET name = 1 WHERE id = 1').effect).toBe('deny');
    });
  });

  it('decides MongoDB-shaped actions the same way (drop denied, empty-filter delete reviewed)', () => {
    const app = principalOf(CONFORMANCE_IDENTITIES.app);
    const target = { connection: 'conformance', environment: 'test', dialect: 'mongodb' as const };
    const action = (category: Action['category'], operation: string, flags: Action['flags'] = []): Action => ({
      dialect: 'mongodb',
      category,
      operation,
      objects: [{ name: 'app.people', kind: 'collection', access: category === 'ddl' ? 'define' : 'write' }],
      flags,
      fingerprint: operation,
      redactedText: operation,
    });
    expect(engine.decide({ principal: app, target, actions: [action('ddl', 'drop')] })).toMatchObject({
      effect: 'deny',
      rules: [CONFORMANCE_RULES.noDrop],
    });
    expect(engine.decide({ principal: app, target, actions: [action('write', 'delete', ['unbounded'])] })).toMatchObject({
      effect: 'review',
      rules: [CONFORMANCE_RULES.reviewUnboundedDelete],
    });
  });
});
