import { describe, expect, it } from 'vitest';
import { RiskModel } from './risk.js';
import { action } from './test-support/builders.js';

describe('RiskModel', () => {
  const model = new RiskModel();

  it('adds category, flags, environment and principal kind, with factors', () => {
    const del = action('write', 'DELETE', ['orders.public.users'], ['unbounded']);
    const context = model.contextPoints('prod', 'agent');
    expect(model.score(del, context)).toBe(2 + 3 + 2 + 1);
    expect(model.factors(del, 'prod', 'agent')).toEqual([
      { name: 'category:write', points: 2 },
      { name: 'flag:unbounded', points: 3 },
      { name: 'environment:prod', points: 2 },
      { name: 'principal:agent', points: 1 },
    ]);
  });

  it('scores reads in dev as zero with no factors', () => {
    const read = action('read', 'SELECT', ['orders.public.users']);
    expect(model.score(read, model.contextPoints('dev', 'human'))).toBe(0);
    expect(model.factors(read, 'dev', 'human')).toEqual([]);
  });

  it('shares one frozen factor list per category, environment and kind, flagged or not', () => {
    const risk = new RiskModel();
    const write = action('write', 'UPDATE', ['orders.public.users']);
    const first = risk.factors(write, 'prod', 'agent');
    expect(first).toEqual([
      { name: 'category:write', points: 2 },
      { name: 'environment:prod', points: 2 },
      { name: 'principal:agent', points: 1 },
    ]);
    expect(Object.isFrozen(first)).toBe(true);
    expect(risk.factors(action('write', 'DELETE', ['orders.public.orders']), 'prod', 'agent')).toBe(first);
    // Another environment, kind or category is another list.
    expect(risk.factors(write, 'staging', 'agent')).toEqual([
      { name: 'category:write', points: 2 },
      { name: 'environment:staging', points: 1 },
      { name: 'principal:agent', points: 1 },
    ]);
    expect(risk.factors(write, 'prod', 'human')).toEqual([
      { name: 'category:write', points: 2 },
      { name: 'environment:prod', points: 2 },
    ]);
    expect(risk.factors(action('read', 'SELECT', ['orders.public.users']), 'prod', 'agent')).toEqual([
      { name: 'environment:prod', points: 2 },
      { name: 'principal:agent', points: 1 },
    ]);
    const flagged = action('write', 'UPDATE', ['orders.public.users'], ['unbounded']);
    expect(risk.factors(flagged, 'prod', 'agent')).toBe(risk.factors(flagged, 'prod', 'agent'));
    expect(risk.factors(flagged, 'prod', 'agent')).toEqual([first[0], { name: 'flag:unbounded', points: 3 }, first[1], first[2]]);
  });

  it('clamps at 10', () => {
    const wild = action('unknown', 'DO', [], ['dynamic', 'security-setting', 'file-access']);
    expect(model.score(wild, model.contextPoints('production', 'agent'))).toBe(10);
  });

  it('takes environment points from configuration', () => {
    const custom = new RiskModel({ qa: 3, prod: 0 });
    expect(custom.contextPoints('qa', 'human')).toBe(3);
    expect(custom.contextPoints('prod', 'human')).toBe(0);
    expect(custom.contextPoints('staging', 'service')).toBe(1);
  });
});
