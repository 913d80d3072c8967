import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Action, Target } from '@gatehouse/core';
import { PolicyLoadError } from './errors.js';
import { loadPolicy } from './load-policy.js';
import { loadPolicyTests, runPolicyTests } from './policy-tests.js';
import { action } from './test-support/builders.js';

const read = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const engine = loadPolicy(read('example-policy.yaml'), 'example-policy.yaml');

/** A stand-in classifier: enough to turn the fixture's statements into actions. */
function classify(statement: string, target: Target): readonly Action[] {
  if (statement.startsWith('SELECT')) return [action('read', 'SELECT', ['orders.public.users'])];
  if (statement.startsWith('DROP TABLE')) return [action('ddl', 'DROP TABLE', ['orders.public.users'])];
  if (target.dialect === 'mongodb') return [{ ...action('read', 'find', ['shop.users']), dialect: 'mongodb' }];
  throw new Error('unsupported statement');
}

describe('policy tests', () => {
  const cases = loadPolicyTests(read('example-policy.tests.yaml'), 'example-policy.tests.yaml');

  it('loads cases with defaults and the statement to classify', () => {
    expect(cases.map((entry) => entry.name)).toEqual(['analysts can read users', 'dba cannot drop tables in prod', 'agents may find in mongodb']);
    expect(cases[1]?.principal).toEqual({ id: 'dan', groups: ['dba'], kind: 'human', via: 'policy-test' });
    expect(cases[2]?.statement).toBe('{"find":"users","filter":{}}');
    expect(cases[0]?.location).toEqual({ file: 'example-policy.tests.yaml', line: 2, column: 5 });
  });

  it('passes cases whose decision matches', () => {
    const results = runPolicyTests(cases, engine, classify);
    expect(results.map((result) => [result.name, result.passed, result.message])).toEqual([
      ['analysts can read users', true, ''],
      ['dba cannot drop tables in prod', true, ''],
      ['agents may find in mongodb', true, ''],
    ]);
  });

  it('reports each failure with what differed', () => {
    const failing = loadPolicyTests(
      `cases:
  - name: wrong effect
    principal: { id: ana, groups: [analysts] }
    target: { connection: orders, environment: prod, dialect: postgres }
    sql: DROP TABLE users
    expect: { effect: allow }
  - name: wrong rules
    principal: { id: ana, groups: [analysts] }
    target: { connection: orders, environment: prod, dialect: postgres }
    sql: SELECT 1
    expect: { effect: allow, rules: [dba-all] }
  - name: unclassifiable
    principal: { id: ana }
    target: { connection: orders, environment: prod, dialect: postgres }
    sql: VACUUM
    expect: { effect: deny }
`,
      'failing.yaml',
    );
    const results = runPolicyTests(failing, engine, classify);
    expect(results.map((result) => result.passed)).toEqual([false, false, false]);
    expect(results[0]?.message).toBe(
      'expected allow, got deny [no-destructive-ddl-in-prod]; reason: denied by rule no-destructive-ddl-in-prod: Destructive DDL is blocked in production',
    );
    expect(results[0]?.actual).toEqual({
      effect: 'deny',
      rules: ['no-destructive-ddl-in-prod'],
      reason: 'denied by rule no-destructive-ddl-in-prod: Destructive DDL is blocked in production',
    });
    expect(results[1]?.message).toBe('expected allow [dba-all], got allow [analysts-read]; reason: allowed by rule analysts-read');
    expect(results[2]?.message).toBe('the statement could not be classified: unsupported statement');
    expect(results[2]?.location).toEqual({ file: 'failing.yaml', line: 12, column: 5 });
  });

  it('reports test-file problems located, like policy problems', () => {
    let caught: unknown;
    try {
      loadPolicyTests(
        `cases:
  - name: a
    principal: { id: ana, kind: robot }
    target: { connection: c, environment: prod, dialect: postgres }
    expect: { efect: allow }
`,
        'bad.tests.yaml',
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyLoadError);
    expect((caught as PolicyLoadError).code).toBe('policy-tests.invalid');
    expect((caught as PolicyLoadError).message.split('\n').slice(1)).toEqual([
      '  bad.tests.yaml:2:5: a test case needs exactly one of "sql" or "command"',
      '  bad.tests.yaml:3:33: unknown principal kind "robot"; expected one of human, agent, service',
      '  bad.tests.yaml:5:13: missing required key "effect" in case "a" expect; add it',
      '  bad.tests.yaml:5:15: unknown key "efect" in expect — did you mean "effect"?',
    ]);
  });

  it('gives a case principal attributes, so row-filter rules can be tested', () => {
    const filtered = loadPolicy(
      'version: 1\nrules:\n  - id: own-region\n    effect: allow\n    filter: { "*.*.users": { region: "${principal.region}" } }\n',
      'filtered.yaml',
    );
    const [withRegion, without] = loadPolicyTests(
      `cases:
  - name: with region
    principal: { id: sam, attributes: { region: eu, tenants: [t1, 2], vip: true } }
    target: { connection: orders, environment: prod, dialect: postgres }
    sql: SELECT 1
    expect: { effect: allow }
  - name: without region
    principal: { id: sam }
    target: { connection: orders, environment: prod, dialect: postgres }
    sql: SELECT 1
    expect: { effect: deny, reason: 'no attribute "region"' }
`,
      'filtered.tests.yaml',
    );
    expect(withRegion?.principal.attributes).toEqual({ region: 'eu', tenants: ['t1', 2], vip: true });
    expect(without?.principal.attributes).toBeUndefined();
    expect(runPolicyTests([withRegion, without].filter((entry) => entry !== undefined), filtered, classify).map((result) => result.passed)).toEqual([true, true]);
    expect(() => loadPolicyTests('cases:\n  - name: a\n    principal: { id: a, attributes: { r: { x: 1 } } }\n    target: { connection: c, environment: p, dialect: postgres }\n    sql: SELECT 1\n    expect: { effect: allow }\n', 'x.yaml')).toThrow(
      /an attribute must be text, a number, true\/false or a list of those/,
    );
  });
});
