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
