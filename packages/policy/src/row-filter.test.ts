import { describe, expect, it } from 'vitest';
import type { Principal, PrincipalAttributeValue } from '@gatehouse/core';
import { action, object, problems, request, rules } from './test-support/builders.js';

const withAttributes = (id: string, groups: readonly string[], attributes?: Record<string, PrincipalAttributeValue>): Principal => ({
  id,
  groups,
  kind: 'human',
  via: 'gateway-token',
  ...(attributes === undefined ? {} : { attributes }),
});

/** The rule from issue #10, verbatim. */
const ISSUE_POLICY = `
  - id: support-sees-own-region
    effect: allow
    when:
      principal: { groups: [support] }
      action: { category: [read, write] }
    filter:
      "*.*.customers": { region: "\${principal.region}" }
      "*.*.orders":    { tenant_id: { in: "\${principal.tenants}" } }
    limit: { rows: 1000 }
`;

const selectCustomers = action('read', 'SELECT', ['shop.public.customers', 'shop.public.orders']);
const rule = (body: string) => `version: 1\nrules:\n  - id: r\n    effect: allow\n${body}`;

describe('row filters: the example of issue #10', () => {
  it('resolves attributes into the decision, with the smallest row limit', () => {
    const support = withAttributes('sam', ['support'], { region: 'eu', tenants: ['t1', 't2'] });
    const decision = rules(ISSUE_POLICY).decide(request(support, [selectCustomers]));
    expect(decision.effect).toBe('allow');
    expect(decision.obligations.rowLimit).toBe(1000);
    expect(decision.obligations.rowFilters).toEqual([
      { pattern: '*.*.customers', predicate: { kind: 'eq', column: 'region', value: 'eu' }, rule: 'support-sees-own-region' },
      { pattern: '*.*.orders', predicate: { kind: 'in', column: 'tenant_id', values: ['t1', 't2'] }, rule: 'support-sees-own-region' },
    ]);
  });

  it('denies when an attribute is missing, naming the rule and the attribute, never "no filter"', () => {
    const noRegion = withAttributes('sam', ['support'], { tenants: ['t1'] });
    const decision = rules(ISSUE_POLICY).decide(request(noRegion, [selectCustomers]));
    expect(decision.effect).toBe('deny');
    expect(decision.rules).toEqual(['support-sees-own-region']);
    expect(decision.reason).toBe(
      'denied: rule support-sees-own-region filters *.*.customers by "${principal.region}", but sam (gateway-token) has no attribute "region"; ' +
        'add it to the token (e.g. gatehouse token issue --attr) or change the rule',
    );
    expect(decision.obligations.rowFilters).toBeUndefined();
    const none = rules(ISSUE_POLICY).decide(request(withAttributes('sam', ['support']), [selectCustomers]));
    expect(none.effect).toBe('deny');
  });

  it('treats a scalar attribute used with "in" as a one-element list', () => {
    const support = withAttributes('sam', ['support'], { region: 'eu', tenants: 't1' });
    const filters = rules(ISSUE_POLICY).decide(request(support, [selectCustomers])).obligations.rowFilters;
    expect(filters?.[1]?.predicate).toEqual({ kind: 'in', column: 'tenant_id', values: ['t1'] });
  });

  it('denies a list attribute used for equality, without its values', () => {
    const support = withAttributes('sam', ['support'], { region: ['eu', 'secret-region'], tenants: ['t1'] });
    const decision = rules(ISSUE_POLICY).decide(request(support, [selectCustomers]));
    expect(decision.effect).toBe('deny');
    expect(decision.reason).toContain('the attribute "region" of sam is a list');
    expect(decision.reason).toContain('{ in: "${principal.region}" }');
    expect(decision.reason).not.toContain('secret-region');
  });

  it('does not touch deny decisions, and principals the rule does not match', () => {
    const policy = rules(`${ISSUE_POLICY}  - { id: no-ddl, effect: deny, when: { action: { category: [ddl] } } }\n`);
    const drop = action('ddl', 'DROP TABLE', ['shop.public.customers']);
    const denied = policy.decide(request(withAttributes('sam', ['support']), [drop]));
    expect(denied).toMatchObject({ effect: 'deny', rules: ['no-ddl'] });
    const outsider = policy.decide(request(withAttributes('eve', ['analysts']), [selectCustomers]));
    expect(outsider.rules).toEqual([]);
    expect(outsider.reason).toMatch(/^no rule allows/);
  });
});

describe('row filters: predicates', () => {
  const decideFor = (filter: string, attributes?: Record<string, PrincipalAttributeValue>, who = 'sam') =>
    rules(`  - id: r\n    effect: allow\n    filter:\n      "*.*.t": ${filter}\n`).decide(
      request(withAttributes(who, ['g'], attributes), [action('read', 'SELECT', ['db.public.t'])]),
    );
  const predicateOf = (filter: string, attributes?: Record<string, PrincipalAttributeValue>) => decideFor(filter, attributes).obligations.rowFilters?.[0]?.predicate;

  it('reads literals of every type, several keys as AND', () => {
    expect(predicateOf('{ region: eu, active: true, level: 3, deleted_at: null }')).toEqual({
      kind: 'and',
      predicates: [
        { kind: 'eq', column: 'region', value: 'eu' },
        { kind: 'eq', column: 'active', value: true },
        { kind: 'eq', column: 'level', value: 3 },
        { kind: 'eq', column: 'deleted_at', value: null },
      ],
    });
  });

  it('reads in, not, and, or, and not-in', () => {
    expect(predicateOf('{ status: { in: [open, 2, false] } }')).toEqual({ kind: 'in', column: 'status', values: ['open', 2, false] });
    expect(predicateOf('{ status: { not: closed } }')).toEqual({ kind: 'not', predicate: { kind: 'eq', column: 'status', value: 'closed' } });
    expect(predicateOf('{ status: { not: { in: [a, b] } } }')).toEqual({ kind: 'not', predicate: { kind: 'in', column: 'status', values: ['a', 'b'] } });
    expect(predicateOf('{ not: { region: us } }')).toEqual({ kind: 'not', predicate: { kind: 'eq', column: 'region', value: 'us' } });
    expect(predicateOf('{ or: [{ owner: "${principal.id}" }, { public: true }] }', {})).toEqual({
      kind: 'or',
      predicates: [
        { kind: 'eq', column: 'owner', value: 'sam' },
        { kind: 'eq', column: 'public', value: true },
      ],
    });
    expect(predicateOf('{ and: [{ a: 1 }, { b: { in: "${principal.groups}" } }] }')).toEqual({
      kind: 'and',
      predicates: [
        { kind: 'eq', column: 'a', value: 1 },
        { kind: 'in', column: 'b', values: ['g'] },
      ],
    });
  });

  it('keeps numbers and booleans from attributes typed, and an empty list as matching nothing', () => {
    expect(predicateOf('{ level: "${principal.level}" }', { level: 7 })).toEqual({ kind: 'eq', column: 'level', value: 7 });
    expect(predicateOf('{ vip: "${principal.vip}" }', { vip: false })).toEqual({ kind: 'eq', column: 'vip', value: false });
    expect(predicateOf('{ t: { in: "${principal.tenants}" } }', { tenants: [] })).toEqual({ kind: 'in', column: 't', values: [] });
  });

  it('carries injection-looking attribute values as plain values, untouched (they are bound as literals later)', () => {
    const hostile = ["eu' OR '1'='1", 'eu"; DROP TABLE t; --', "eu*/ OR 1=1 /*", '{"$ne": null}', '$$ || $$', 'x\u0000y', '${principal.secret}'];
    for (const value of hostile) {
      expect(predicateOf('{ region: "${principal.region}" }', { region: value })).toEqual({ kind: 'eq', column: 'region', value });
    }
    expect(predicateOf('{ region: { in: "${principal.regions}" } }', { regions: hostile })).toEqual({ kind: 'in', column: 'region', values: hostile });
  });

  it('reads "$${" as a literal "${", so literal text can contain it', () => {
    expect(predicateOf('{ note: "price $${x}" }')).toEqual({ kind: 'eq', column: 'note', value: 'price ${x}' });
  });

  it('reads only own attributes: "constructor" or "toString" are missing unless the token has them', () => {
    expect(decideFor('{ a: "${principal.constructor}" }', {}).effect).toBe('deny');
    expect(decideFor('{ a: "${principal.toString}" }', { region: 'eu' }).effect).toBe('deny');
  });

  it('builds attribute-free filters once and shares them across decisions', () => {
    const policy = rules(`  - id: r\n    effect: allow\n    filter: { "*.*.t": { region: eu } }\n`);
    const req = request(withAttributes('sam', []), [action('read', 'SELECT', ['db.public.t'])]);
    const first = policy.decide(req).obligations.rowFilters?.[0];
    const second = policy.decide(req).obligations.rowFilters?.[0];
    expect(first).toBe(second);
    expect(Object.isFrozen(first?.predicate)).toBe(true);
  });
});

describe('row filters: combining rules', () => {
  const two = `
  - id: by-region
    effect: allow
    when: { principal: { groups: [support] } }
    filter: { "*.*.customers": { region: "\${principal.region}" } }
  - id: by-tenant
    effect: allow
    when: { principal: { groups: [tenant-admins] } }
    filter:
      "*.*.customers": { tenant: "\${principal.tenant}" }
      "*.*.invoices": { tenant: "\${principal.tenant}" }
    limit: { rows: 50 }
  - id: everyone-reads
    effect: allow
    when: { action: { category: [read] } }
    limit: { rows: 500 }
`;

  it('unions the filters of every matching allow rule; the enforcer ANDs those of one table', () => {
    const both = withAttributes('sam', ['support', 'tenant-admins'], { region: 'eu', tenant: 'acme' });
    const decision = rules(two).decide(request(both, [action('read', 'SELECT', ['db.public.customers'])]));
    expect(decision.effect).toBe('allow');
    expect(decision.rules).toEqual(['by-region', 'by-tenant', 'everyone-reads']);
    expect(decision.obligations.rowLimit).toBe(50);
    expect(decision.obligations.rowFilters?.map((filter) => [filter.rule, filter.pattern])).toEqual([
      ['by-region', '*.*.customers'],
      ['by-tenant', '*.*.customers'],
      ['by-tenant', '*.*.invoices'],
    ]);
  });

  it('a rule without filters does not remove the filters of another matching rule', () => {
    const support = withAttributes('sam', ['support'], { region: 'eu' });
    const decision = rules(two).decide(request(support, [action('read', 'SELECT', ['db.public.customers'])]));
    expect(decision.obligations.rowFilters).toHaveLength(1);
    expect(decision.obligations.rowLimit).toBe(500);
  });

  it('carries the allow rules\' filters on review, so the approved statement runs filtered', () => {
    const policy = rules(`${two}  - { id: big, effect: review, when: { action: { flags: [unbounded] } }, review: { approvers: { groups: [dba] } } }\n`);
    const support = withAttributes('sam', ['support'], { region: 'eu' });
    const del = action('write', 'DELETE', [object('db.public.customers', 'write')], ['unbounded']);
    const decision = policy.decide(request(support, [del]));
    expect(decision.effect).toBe('review');
    expect(decision.obligations.rowFilters?.[0]?.rule).toBe('by-region');
  });

  it('observe-mode rules never add filters', () => {
    const policy = rules(`
  - { id: all, effect: allow }
  - { id: watch, effect: allow, mode: observe, filter: { "*.*.t": { a: "\${principal.missing}" } } }
`);
    const decision = policy.decide(request(withAttributes('sam', []), [action('read', 'SELECT', ['db.public.t'])]));
    expect(decision.effect).toBe('allow');
    expect(decision.obligations.rowFilters).toBeUndefined();
  });
});

describe('row filters: located load errors', () => {
  it('accepts the issue example', () => {
    expect(() => rules(ISSUE_POLICY)).not.toThrow();
  });

  it('rejects unknown ${…} forms and partial references at the value', () => {
    expect(problems(rule('    filter: { "*.*.t": { region: "${env:REGION}" } }\n'))).toEqual([
      'test.yaml:5:34: filters only understand "${principal.<attribute>}" references; write the whole value as one "${principal.<attribute>}" (or ${principal.id}), or "$${" for a literal "${"',
    ]);
    expect(problems(rule('    filter: { "*.*.t": { region: "eu-${principal.region}" } }\n'))[0]).toMatch(
      /^test\.yaml:5:34: a reference cannot be part of a longer text; /,
    );
    expect(problems(rule('    filter: { "*.*.t": { region: "${principal.re gion}" } }\n'))[0]).toMatch(/^test\.yaml:5:34: bad attribute name in /);
    expect(problems(rule('    filter: { "*.*.t": { region: { in: ["${principal.r}"] } } }\n'))[0]).toMatch(
      /^test\.yaml:5:41: a "\$\{principal\.…\}" reference must be the whole "in" value/,
    );
  });

  it('rejects bad column names at the key, bad globs, and wrong shapes', () => {
    expect(problems(rule('    filter: { "*.*.t": { "$where": 1 } }\n'))[0]).toMatch(/^test\.yaml:5:26: "\$where" is not a column name a filter can use; /);
    expect(problems(rule('    filter: { "*.*.t": { "a; drop": 1 } }\n'))[0]).toMatch(/^test\.yaml:5:26: "a; drop" is not a column name/);
    expect(problems(rule('    filter: { "a..t": { a: 1 } }\n'))).toEqual([
      'test.yaml:5:15: pattern "a..t" has an empty segment; segments are separated by single dots',
    ]);
    expect(problems(rule('    filter: { "*.*.t": [a] }\n'))).toEqual([
      'test.yaml:5:24: row filter must be a map such as { region: "${principal.region}" }, not a list',
    ]);
    expect(problems(rule('    filter: { "*.*.t": {} }\n'))[0]).toMatch(/^test\.yaml:5:24: row filter is an empty map/);
    expect(problems(rule('    filter: {}\n'))[0]).toMatch(/^test\.yaml:5:13: filter is an empty map/);
    expect(problems(rule('    filter: { "*.*.t": { a: { like: "x%" } } }\n'))).toEqual([
      'test.yaml:5:29: a column condition is a value, { in: [...] } or { not: ... }; found keys like',
    ]);
    expect(problems(rule('    filter: { "*.*.t": { a: { in: 3 } } }\n'))[0]).toMatch(/^test\.yaml:5:35: "in" takes a list of values/);
    expect(problems(rule('    filter: { "*.*.t": { or: [] } }\n'))[0]).toMatch(/^test\.yaml:5:30: "or" must be a non-empty list of row filters/);
    expect(problems(rule('    filter: { "*.*.t": { a: .inf } }\n'))[0]).toMatch(/^test\.yaml:5:29: a filter value must be a finite number/);
    expect(problems(rule('    filter: { "*.*.t": { a: [1, 2] } }\n'))[0]).toMatch(/^test\.yaml:5:29: a filter value must be text, a number, true\/false, null/);
  });

  it('rejects filter on deny and review rules', () => {
    expect(problems('version: 1\nrules:\n  - id: r\n    effect: deny\n    filter: { "*.*.t": { a: 1 } }\n')).toEqual([
      'test.yaml:5:5: "filter" only applies to allow rules, not deny; put it on the allow rule that grants the access',
    ]);
    expect(problems('version: 1\nrules:\n  - id: r\n    effect: review\n    review: { approvers: { groups: [dba] } }\n    filter: { "*.*.t": { a: 1 } }\n')[0]).toMatch(
      /^test\.yaml:6:5: "filter" only applies to allow rules, not review/,
    );
  });

  it('reports every filter problem of a document in one pass', () => {
    const found = problems(rule('    filter:\n      "*.*.a": { x: "${nope}" }\n      "*.*.b": { "1x": 1, y: { in: {} } }\n'));
    expect(found.map((problem) => problem.split(': ')[0])).toEqual(['test.yaml:6:21', 'test.yaml:7:18', 'test.yaml:7:36']);
  });
});
