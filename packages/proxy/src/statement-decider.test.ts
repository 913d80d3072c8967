import type { Decision, Effect, PolicyEngine, RowFilter, SqlDialect } from '@gatehouse/core';
import type { SqlClassifier } from '@gatehouse/sql';
import { createSqlClassifier, statementRewriterForLoadedParsers } from '@gatehouse/sql';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SessionIdentity } from './statement-decider.js';
import { SqlStatementDecider } from './statement-decider.js';

const EU_FILTER: RowFilter = { pattern: '*.*.customers', predicate: { kind: 'eq', column: 'region', value: 'eu' }, rule: 'support-sees-own-region' };

let classifier: SqlClassifier;
beforeAll(async () => {
  classifier = await createSqlClassifier();
});

/** A policy that answers every request with one fixed effect and the given filters. */
function policy(effect: Effect, rowFilters: readonly RowFilter[] = [EU_FILTER]): { current(): PolicyEngine; calls: number } {
  const source = {
    calls: 0,
    current: (): PolicyEngine => ({
      decide: (): Decision => {
        source.calls++;
        return {
          effect,
          rules: ['support-sees-own-region'],
          reason: `${effect} by rule`,
          risk: { score: 1, factors: [] },
          obligations: { audit: 'standard', rowFilters },
          observed: [],
        };
      },
    }),
  };
  return source;
}

function identity(dialect: SqlDialect = 'postgres', database = 'app'): SessionIdentity {
  return {
    principal: { id: 'sam', groups: ['support'], kind: 'human', via: 'test' },
    target: { connection: 'main', environment: 'prod', dialect, database },
    clientAddress: '127.0.0.1',
  } as SessionIdentity;
}

describe('SqlStatementDecider with row filters', () => {
  it('forwards the rewritten text when the decision allows with filters', () => {
    const decider = new SqlStatementDecider(classifier, policy('allow'));
    const outcome = decider.decide(identity(), 'SELECT name FROM customers');
    expect(outcome.decision.effect).toBe('allow');
    expect(outcome.forwardText).toBe(
      `SELECT name FROM (SELECT * FROM customers AS "gatehouse_rf" WHERE ("gatehouse_rf"."region" = 'eu')) AS "customers"`,
    );
  });

  it('leaves statements that touch no filtered table unchanged', () => {
    const outcome = new SqlStatementDecider(classifier, policy('allow')).decide(identity(), 'SELECT * FROM orders');
    expect(outcome.forwardText).toBeUndefined();
    expect(outcome.decision.effect).toBe('allow');
  });

  it('turns a refused rewrite into a deny naming the filter rules, with the reason and no literal', () => {
    const outcome = new SqlStatementDecider(classifier, policy('allow')).decide(identity(), "INSERT INTO customers (id, region) VALUES (1, 'us-secret')");
    expect(outcome.decision).toMatchObject({
      effect: 'deny',
      rules: ['support-sees-own-region'],
      reason: 'row filter cannot be applied: INSERT into app.public.customers: row 1 is outside the row filter of rule support-sees-own-region',
    });
    expect(JSON.stringify(outcome)).not.toContain('us-secret');
    expect(outcome.forwardText).toBeUndefined();
  });

  it('denies statements nobody can analyse with certainty when filters apply', () => {
    const outcome = new SqlStatementDecider(classifier, policy('allow')).decide(identity(), "DO $$ BEGIN PERFORM 1; END $$");
    expect(outcome.decision.effect).toBe('deny');
    expect(outcome.decision.reason).toContain('cannot be analysed with certainty');
  });

  it('applies filters to review decisions too (an approved statement must still be filtered)', () => {
    const outcome = new SqlStatementDecider(classifier, policy('review')).decide(identity(), 'DELETE FROM customers');
    expect(outcome.decision.effect).toBe('review');
    expect(outcome.forwardText).toBe(`DELETE FROM customers WHERE ("customers"."region" = 'eu')`);
  });

  it('leaves deny decisions and decisions without filters alone', () => {
    expect(new SqlStatementDecider(classifier, policy('deny')).decide(identity(), 'SELECT * FROM customers').forwardText).toBeUndefined();
    expect(new SqlStatementDecider(classifier, policy('allow', [])).decide(identity(), 'SELECT * FROM customers').forwardText).toBeUndefined();
  });

  it('intersects several filters of the same table and names every rule', () => {
    const tenant: RowFilter = { pattern: 'app.public.customers', predicate: { kind: 'in', column: 'tenant_id', values: [7, 9] }, rule: 'tenant-rule' };
    const outcome = new SqlStatementDecider(classifier, policy('allow', [EU_FILTER, tenant])).decide(identity(), 'SELECT * FROM customers');
    expect(outcome.forwardText).toContain(`(("gatehouse_rf"."region" = 'eu') AND ("gatehouse_rf"."tenant_id" IN (7, 9)))`);
    const refused = new SqlStatementDecider(classifier, policy('allow', [EU_FILTER, tenant])).decide(identity(), 'TRUNCATE customers');
    expect(refused.decision).toMatchObject({ effect: 'deny', rules: ['support-sees-own-region', 'tenant-rule'] });
  });

  it('matches patterns case-insensitively, like policy object conditions', () => {
    const outcome = new SqlStatementDecider(classifier, policy('allow')).decide(identity(), 'SELECT * FROM "Customers"');
    expect(outcome.forwardText).toContain('FROM "Customers" AS "gatehouse_rf"');
  });

  it('rewrites MySQL and T-SQL with their own quoting', () => {
    // MySQL names are db.table: the same glob semantics as policy, so `*.*.customers` does not match them.
    const mysqlFilter: RowFilter = { ...EU_FILTER, pattern: '**.customers' };
    const mysql = new SqlStatementDecider(classifier, policy('allow', [mysqlFilter])).decide(identity('mysql', 'shop'), 'SELECT * FROM customers');
    expect(mysql.forwardText).toContain("`gatehouse_rf`.`region` = _utf8mb4 X'6575'");
    const threePart = new SqlStatementDecider(classifier, policy('allow', [{ ...EU_FILTER, pattern: '*.*.customers' }])).decide(
      identity('mysql', 'shop'),
      'SELECT * FROM customers',
    );
    expect(threePart.forwardText).toContain("`gatehouse_rf`.`region` = _utf8mb4 X'6575'");
    const otherDatabase = new SqlStatementDecider(classifier, policy('allow', [{ ...EU_FILTER, pattern: 'crm.*.customers' }])).decide(
      identity('mysql', 'shop'),
      'SELECT * FROM customers',
    );
    expect(otherDatabase.forwardText).toBeUndefined();
    const mssql = new SqlStatementDecider(classifier, policy('allow', [mysqlFilter])).decide(identity('mssql', 'shop'), 'SELECT * FROM customers');
    expect(mssql.forwardText).toContain("[gatehouse_rf].[region] = N'eu'");
    const hinted = new SqlStatementDecider(classifier, policy('allow', [mysqlFilter])).decide(identity('mssql', 'shop'), 'SELECT * FROM customers WITH (NOLOCK)');
    expect(hinted.decision.effect).toBe('deny');
  });

  it('caches rewrites by text and resolved filters: a repeat costs a lookup, other attribute values miss', () => {
    const rewriter = statementRewriterForLoadedParsers();
    const decider = new SqlStatementDecider(classifier, policy('allow'), { rewriter });
    const first = decider.decide(identity(), 'SELECT * FROM customers');
    const second = decider.decide(identity(), 'SELECT * FROM customers');
    expect(second.forwardText).toBe(first.forwardText);
    expect(rewriter.stats).toEqual({ hits: 1, misses: 1 });
    const us: RowFilter = { ...EU_FILTER, predicate: { kind: 'eq', column: 'region', value: 'us' } };
    const other = new SqlStatementDecider(classifier, policy('allow', [us]), { rewriter }).decide(identity(), 'SELECT * FROM customers');
    expect(other.forwardText).toContain(`= 'us'`);
    expect(rewriter.stats).toEqual({ hits: 1, misses: 2 });
  });

  it('refuses when the rewriter did not cover a filtered table the classifier found', () => {
    const decider = new SqlStatementDecider(classifier, policy('allow'), {
      rewriter: { stats: { hits: 0, misses: 0 }, rewrite: () => ({ kind: 'unchanged' }) },
    });
    const outcome = decider.decide(identity(), 'SELECT * FROM customers');
    expect(outcome.decision).toMatchObject({ effect: 'deny', reason: expect.stringContaining('could not locate every reference') });
  });
});

describe('SqlStatementDecider literal collection', () => {
  it('is off by default and fills outcome.literals when asked', () => {
    const text = "SELECT * FROM orders WHERE id = 42 AND note = 'x'";
    expect(new SqlStatementDecider(classifier, policy('allow', [])).decide(identity(), text).literals).toBeUndefined();
    const outcome = new SqlStatementDecider(classifier, policy('allow', []), { collectLiterals: true }).decide(identity(), text);
    expect(outcome.literals).toEqual([
      { object: 'app.public.orders', column: 'id', value: '42' },
      { object: 'app.public.orders', column: 'note', value: 'x' },
    ]);
  });
});
