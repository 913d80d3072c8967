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

describe('SqlStatementDecider row filters: statements the classifier reports no filtered table for', () => {
  const EVERY_DIALECT: RowFilter = { ...EU_FILTER, pattern: '**.customers' };

  function identityIn(dialect: SqlDialect, schema?: string): SessionIdentity {
    const base = identity(dialect, dialect === 'mysql' ? 'shop' : 'app');
    return { ...base, target: { ...base.target, ...(schema !== undefined ? { schema } : {}) } } as SessionIdentity;
  }

  it.each([
    ['postgres', 'CREATE TABLE t () INHERITS (customers)', 'CreateStmt'],
    ['postgres', "CREATE TABLE t PARTITION OF customers FOR VALUES IN ('us')", 'CreateStmt'],
    ['postgres', 'ALTER TABLE orders ADD FOREIGN KEY (cid) REFERENCES customers (id)', 'AlterTableStmt'],
    ['postgres', "SELECT * FROM ts_stat('SELECT to_tsvector(name) FROM customers')", 'dynamic SQL'],
    ['postgres', "CREATE FUNCTION f() RETURNS SETOF customers LANGUAGE sql AS 'select * from customers'", 'dynamic SQL'],
    ['mysql', 'CREATE VIEW v AS SELECT * FROM customers', 'CREATE'],
    ['mysql', 'CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW SET NEW.x = (SELECT name FROM customers LIMIT 1)', 'triggers'],
    ['mysql', 'CHECKSUM TABLE customers', 'did not parse'],
    ['mssql', 'CREATE VIEW v AS SELECT * FROM customers', 'did not parse'],
    ['mssql', 'CREATE SYNONYM syn FOR dbo.customers', 'did not parse'],
    ['mssql', 'SELECT * FROM customers (NOLOCK)', 'old-style table hint'],
    ['mssql', "SELECT * FROM OPENROWSET('SQLNCLI', 'x', 'SELECT * FROM app.dbo.customers')", 'dynamic SQL'],
  ] as const)('%s: %s is denied, not forwarded unfiltered', (dialect, text, reason) => {
    const outcome = new SqlStatementDecider(classifier, policy('allow', [EVERY_DIALECT])).decide(identityIn(dialect), text);
    expect(outcome.decision).toMatchObject({ effect: 'deny', reason: expect.stringContaining(reason) });
    expect(outcome.forwardText).toBeUndefined();
  });

  it('filters an unqualified name the server may resolve to the filtered schema (search_path / default schema)', () => {
    const publicOnly: RowFilter = { ...EU_FILTER, pattern: '*.public.customers' };
    const pg = new SqlStatementDecider(classifier, policy('allow', [publicOnly])).decide(identityIn('postgres', 'sales'), 'SELECT * FROM customers');
    expect(pg.forwardText).toBe(`SELECT * FROM (SELECT * FROM customers AS "gatehouse_rf" WHERE ("gatehouse_rf"."region" = 'eu')) AS "customers"`);
    // Qualified with another schema: that table is not filtered.
    expect(new SqlStatementDecider(classifier, policy('allow', [publicOnly])).decide(identityIn('postgres', 'sales'), 'SELECT * FROM sales.customers').forwardText).toBeUndefined();
    const dboOnly: RowFilter = { ...EU_FILTER, pattern: '*.dbo.customers' };
    const mssql = new SqlStatementDecider(classifier, policy('allow', [dboOnly])).decide(identityIn('mssql', 'sales'), 'SELECT * FROM customers');
    expect(mssql.forwardText).toContain("[gatehouse_rf].[region] = N'eu'");
  });

  it('keeps the repeated path a cache lookup for statements that touch no filtered table', () => {
    const rewriter = statementRewriterForLoadedParsers();
    const decider = new SqlStatementDecider(classifier, policy('allow'), { rewriter });
    decider.decide(identity(), 'SELECT * FROM orders WHERE id = $1');
    const again = decider.decide(identity(), 'SELECT * FROM orders WHERE id = $1');
    expect(again.forwardText).toBeUndefined();
    expect(rewriter.stats).toEqual({ hits: 1, misses: 1 });
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

describe('SqlStatementDecider decision reuse', () => {
  /** One engine until reload() swaps it, as the gateway's reloadable policy does. */
  function reloadable(): { current(): PolicyEngine; reload(): void; calls: number } {
    const make = (): PolicyEngine => ({
      decide: (): Decision => {
        source.calls++;
        return { effect: 'allow', rules: ['r'], reason: 'allowed', risk: { score: 0, factors: [] }, obligations: { audit: 'standard' }, observed: [] };
      },
    });
    let engine = make();
    const source = { calls: 0, current: () => engine, reload: () => void (engine = make()) };
    return source;
  }

  it('decides a repeated statement of one session once, and again after a reload or for another session', () => {
    const source = reloadable();
    const decider = new SqlStatementDecider(classifier, source);
    const session = identity();
    const first = decider.decide(session, 'SELECT name FROM orders WHERE id = 1');
    expect(decider.decide(session, 'SELECT name FROM orders WHERE id = 1').decision).toBe(first.decision);
    expect(source.calls).toBe(1);
    decider.decide(identity(), 'SELECT name FROM orders WHERE id = 1');
    expect(source.calls).toBe(2);
    source.reload();
    decider.decide(session, 'SELECT name FROM orders WHERE id = 1');
    expect(source.calls).toBe(3);
    decider.decide(session, 'DELETE FROM orders');
    expect(source.calls).toBe(4);
  });

  it('hands out a fresh outcome for every statement, even one repeated back to back', () => {
    const source = reloadable();
    const decider = new SqlStatementDecider(classifier, source);
    const session = identity();
    const first = decider.decide(session, 'SELECT name FROM orders WHERE id = $1');
    const again = decider.decide(session, 'SELECT name FROM orders WHERE id = $1');
    // Observers (audit, telemetry) key per-statement state on the outcome object.
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(again.decision).toBe(first.decision);
    expect(source.calls).toBe(1);
  });

  it('decides a statement shape once per session when only its literals change', () => {
    const source = reloadable();
    const decider = new SqlStatementDecider(classifier, source);
    const session = identity();
    const first = decider.decide(session, 'SELECT name FROM orders WHERE id = 1');
    for (const id of [2, 3, 4]) {
      const outcome = decider.decide(session, `SELECT name FROM orders WHERE id = ${id}`);
      expect(outcome.decision).toBe(first.decision);
      expect(outcome.actions[0]!.redactedText).toBe('SELECT name FROM orders WHERE id = ?');
    }
    expect(source.calls).toBe(1);
    decider.decide(session, "SELECT name FROM orders WHERE id = 5 OR name = 'x'");
    expect(source.calls).toBe(2);
  });
});
