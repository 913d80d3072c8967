import { compileGlob } from '@gatehouse/policy';
import { describe, expect, it } from 'vitest';
import { filtersFor, patternMatches } from './filter-pattern.js';

describe('row filter patterns on MongoDB namespaces', () => {
  it('matches MongoDB names exactly as the policy engine matches object names', () => {
    const patterns = ['app.customers', '*.customers', 'app.*', '*.*', '**', '**.customers', 'app.**', '*.cust*', 'APP.Customers', 'app.orders', '*.*.customers'];
    const names = ['app.customers', 'shop.customers', 'app.orders', 'app.customers_eu', 'app.system.profile'];
    for (const pattern of patterns) {
      for (const name of names) {
        // Whatever the engine matches, a filter matches too (it may match more: see below).
        if (compileGlob(pattern).test(name)) expect(patternMatches(pattern, name), `${pattern} ~ ${name}`).toBe(true);
      }
    }
    expect(patternMatches('*.orders', 'app.customers')).toBe(false);
    expect(patternMatches('app.cust*', 'app.customers')).toBe(true);
    expect(patternMatches('other.*', 'app.customers')).toBe(false);
  });

  it('applies a three-part SQL-style glob to the schemaless MongoDB name (a filter applies when it could)', () => {
    expect(compileGlob('*.*.customers').test('app.customers')).toBe(false);
    expect(patternMatches('*.*.customers', 'app.customers')).toBe(true);
    expect(patternMatches('app.public.customers', 'app.customers')).toBe(true);
    expect(patternMatches('*.*.customers', 'app.orders')).toBe(false);
    expect(patternMatches('shop.*.customers', 'app.customers')).toBe(false);
  });

  it('keeps only the filters that apply', () => {
    const eq = { kind: 'eq', column: 'region', value: 'eu' } as const;
    const filters = [
      { pattern: '*.*.customers', predicate: eq, rule: 'a' },
      { pattern: '*.*.orders', predicate: eq, rule: 'b' },
    ];
    expect(filtersFor(filters, 'app.customers').map((filter) => filter.rule)).toEqual(['a']);
    expect(filtersFor(undefined, 'app.customers')).toEqual([]);
  });
});
