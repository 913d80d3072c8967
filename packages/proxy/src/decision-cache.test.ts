import type { Action, Decision, PolicyEngine } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { DecisionCache } from './decision-cache.js';
import type { SessionIdentity } from './statement-decider.js';

/** Counts decisions; every decision is a new object, so reuse shows as identity. */
function countingPolicy(): PolicyEngine & { calls: number } {
  const engine = {
    calls: 0,
    decide: (): Decision => {
      engine.calls++;
      return { effect: 'allow', rules: ['r'], reason: 'allowed', risk: { score: 0, factors: [] }, obligations: { audit: 'standard' }, observed: [] };
    },
  };
  return engine;
}

function session(): SessionIdentity {
  return {
    principal: { id: 'sam', groups: ['app'], kind: 'service', via: 'test' },
    target: { connection: 'main', environment: 'prod', dialect: 'postgres', database: 'app' },
    clientAddress: '127.0.0.1',
  } as SessionIdentity;
}

const ORDERS = [{ name: 'app.public.orders', kind: 'table', access: 'read' }] as Action['objects'];

/** A read of orders as the classifier answers from its fingerprint cache: shared objects, fresh flags. */
function selectOrders(literal: number, overrides: Partial<Action> = {}): readonly Action[] {
  return [
    {
      dialect: 'postgres',
      category: 'read',
      operation: 'SELECT',
      objects: ORDERS,
      flags: [],
      fingerprint: 'SELECT * FROM orders WHERE id = ?',
      redactedText: `SELECT * FROM orders WHERE id = ? /* ${literal} */`,
      ...overrides,
    },
  ];
}

describe('DecisionCache', () => {
  it('decides a statement shape once per session, whatever its literals', () => {
    const policy = countingPolicy();
    const cache = new DecisionCache();
    const sam = session();
    const first = cache.decide(policy, sam, selectOrders(1), true);
    expect(cache.decide(policy, sam, selectOrders(2), true)).toBe(first);
    expect(cache.decide(policy, sam, selectOrders(3), true)).toBe(first);
    expect(policy.calls).toBe(1);
  });

  it('decides again when anything the policy reads differs, for another session, or under another policy', () => {
    const policy = countingPolicy();
    const cache = new DecisionCache();
    const sam = session();
    cache.decide(policy, sam, selectOrders(1), true);
    cache.decide(policy, sam, selectOrders(1, { flags: ['unbounded'] }), true);
    cache.decide(policy, sam, selectOrders(1, { objects: [{ name: 'app.public.customers', kind: 'table', access: 'read' }] }), true);
    cache.decide(policy, sam, selectOrders(1, { operation: 'SELECT INTO' }), true);
    cache.decide(policy, sam, selectOrders(1, { fingerprint: 'SELECT * FROM orders WHERE id IN (?)' }), true);
    expect(policy.calls).toBe(5);
    cache.decide(policy, session(), selectOrders(1), true);
    expect(policy.calls).toBe(6);
    const reloaded = countingPolicy();
    cache.decide(reloaded, sam, selectOrders(1), true);
    expect(reloaded.calls).toBe(1);
  });

  it('reuses flags with the same members, and tells multi-statement lists apart by every statement', () => {
    const policy = countingPolicy();
    const cache = new DecisionCache();
    const sam = session();
    const flagged = cache.decide(policy, sam, selectOrders(1, { flags: ['unbounded'] }), true);
    expect(cache.decide(policy, sam, selectOrders(2, { flags: ['unbounded'] }), true)).toBe(flagged);
    const pair = [...selectOrders(1), ...selectOrders(2, { operation: 'DELETE', category: 'write' })];
    const decided = cache.decide(policy, sam, pair, true);
    expect(cache.decide(policy, sam, [...selectOrders(3), ...selectOrders(4, { operation: 'DELETE', category: 'write' })], true)).toBe(decided);
    expect(cache.decide(policy, sam, [...selectOrders(3), ...selectOrders(4)], true)).not.toBe(decided);
    expect(policy.calls).toBe(3);
  });

  it('finds frozen (classifier-cached) arrays by identity, and decides fresh arrays every time when not asked to match shapes', () => {
    const policy = countingPolicy();
    const cache = new DecisionCache();
    const sam = session();
    const cached = Object.freeze(selectOrders(1));
    const first = cache.decide(policy, sam, cached, false);
    expect(cache.decide(policy, sam, cached, false)).toBe(first);
    expect(policy.calls).toBe(1);
    cache.decide(policy, sam, selectOrders(1), false);
    cache.decide(policy, sam, selectOrders(1), false);
    expect(policy.calls).toBe(3);
  });
});
