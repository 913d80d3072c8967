import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from './load-policy.js';
import { action, object, principal, request, target } from './test-support/builders.js';

const file = new URL('./fixtures/example-policy.yaml', import.meta.url);
const engine = loadPolicy(readFileSync(file, 'utf8'), 'example-policy.yaml');

const dba = principal('dan', ['dba']);
const analyst = principal('ana', ['analysts']);

describe('the example policy from the issue', () => {
  it('denies DROP TABLE in prod, even for a dba', () => {
    const decision = engine.decide(request(dba, [action('ddl', 'DROP TABLE', [object('orders.public.users', 'define')])]));
    expect(decision.effect).toBe('deny');
    expect(decision.rules).toEqual(['no-destructive-ddl-in-prod']);
    expect(decision.reason).toBe('denied by rule no-destructive-ddl-in-prod: Destructive DDL is blocked in production');
  });

  it('lets a dba drop tables outside prod', () => {
    const decision = engine.decide(request(dba, [action('ddl', 'DROP TABLE', ['orders.public.users'])], target('staging')));
    expect(decision).toMatchObject({ effect: 'allow', rules: ['dba-all'] });
  });

  it('sends an unbounded DELETE in prod by a dba to review by dba, held for 15 minutes', () => {
    const decision = engine.decide(request(dba, [action('write', 'DELETE', ['orders.public.users'], ['unbounded'])]));
    expect(decision.effect).toBe('review');
    expect(decision.rules).toEqual(['unbounded-writes-need-review']);
    expect(decision.obligations.review).toEqual({
      rule: 'unbounded-writes-need-review',
      mode: 'hold',
      approvers: { groups: ['dba'], users: [] },
      minApprovals: 1,
      timeoutMs: 900_000,
    });
    expect(decision.risk.score).toBe(7);
  });

  it('allows an analyst SELECT with the mask obligation', () => {
    const decision = engine.decide(request(analyst, [action('read', 'SELECT', ['orders.public.users'])]));
    expect(decision.effect).toBe('allow');
    expect(decision.rules).toEqual(['analysts-read']);
    expect(decision.obligations.mask?.columns.map((rule) => [rule.pattern, rule.strategy.kind])).toEqual([
      ['*.*.users.email', 'partial'],
      ['*.*.*.ssn', 'redact'],
    ]);
    expect(decision.obligations.mask?.detectors.map((rule) => rule.detector)).toEqual([
      'email',
      'credit_card',
      'us_ssn',
      'aws_access_key',
      'jwt',
    ]);
    expect(decision.obligations.mask?.failure).toBe('strict');
  });

  it('does not let analysts write', () => {
    const decision = engine.decide(request(analyst, [action('write', 'UPDATE', ['orders.public.users'])]));
    expect(decision.effect).toBe('deny');
    expect(decision.rules).toEqual([]);
  });

  it('denies an agent INSERT in prod even when the agent is in the dba group', () => {
    const agent = principal('etl-bot', ['dba'], 'agent');
    const decision = engine.decide(request(agent, [action('write', 'INSERT', ['orders.public.orders'])]));
    expect(decision.effect).toBe('deny');
    expect(decision.rules).toEqual(['agents-never-write-prod']);
  });

  it('denies an unknown principal by default', () => {
    const decision = engine.decide(request(principal('mallory'), [action('read', 'SELECT', ['orders.public.users'])]));
    expect(decision.effect).toBe('deny');
    expect(decision.rules).toEqual([]);
    expect(decision.reason).toBe('no rule allows read SELECT on orders.public.users for mallory (human)');
  });
});
