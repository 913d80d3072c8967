import { compileObjectPattern } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { filtersFor, patternMatches } from './filter-pattern.js';

/**
 * The plain dotted glob, as a reference (it left @gatehouse/policy once nothing else used it): `*`
 * is one segment or part of one, `**` any number of segments, matched case-insensitively, with no
 * notion of names that lack a schema.
 */
function compileGlob(pattern: string): RegExp {
  const segments = pattern.split('.');
  if (segments.length === 1 && segments[0] === '**') return /^[\s\S]*$/i;
  let source = '^';
  segments.forEach((segment, index) => {
    if (segment === '**') {
      source += index === 0 ? '(?:[^.]*\\.)*' : '(?:\\.[^.]*)*';
      return;
    }
    if (index > 0 && !(index === 1 && segments[0] === '**')) source += '\\.';
    source += segment.replace(/[\\^$+?.()|[\]{}]/g, '\\$&').replace(/\*/g, '[^.]*');
  });
  return new RegExp(`${source}$`, 'i');
}

describe('row filter patterns on MongoDB namespaces', () => {
  const patterns = ['app.customers', '*.customers', 'app.*', '*.*', '**', '**.customers', 'app.**', '*.cust*', 'APP.Customers', 'app.orders', '*.*.customers'];
  const names = ['app.customers', 'shop.customers', 'app.orders', 'app.customers_eu', 'app.system.profile'];

  it('matches every name the plain glob matches (a filter may apply more widely, never less)', () => {
    for (const pattern of patterns) {
      for (const name of names) {
        if (compileGlob(pattern).test(name)) expect(patternMatches(pattern, name), `${pattern} ~ ${name}`).toBe(true);
      }
    }
    expect(patternMatches('*.orders', 'app.customers')).toBe(false);
    expect(patternMatches('app.cust*', 'app.customers')).toBe(true);
    expect(patternMatches('other.*', 'app.customers')).toBe(false);
  });

  it('applies exactly where a deny rule with the same pattern would (the shared broad matcher)', () => {
    for (const pattern of [...patterns, '*.public.customers', 'app.*.customers']) {
      const deny = compileObjectPattern(pattern, 'broad');
      for (const name of names) expect(patternMatches(pattern, name), `${pattern} ~ ${name}`).toBe(deny.matches(name, 'mongodb'));
    }
  });

  it('applies a three-part SQL-style glob to the schemaless MongoDB name (a filter applies when it could)', () => {
    expect(compileGlob('*.*.customers').test('app.customers')).toBe(false);
    expect(patternMatches('*.*.customers', 'app.customers')).toBe(true);
    expect(patternMatches('app.public.customers', 'app.customers')).toBe(true);
    expect(patternMatches('*.public.customers', 'app.customers')).toBe(true);
    expect(patternMatches('*.*.customers', 'app.orders')).toBe(false);
    expect(patternMatches('shop.*.customers', 'app.customers')).toBe(false);
  });

  it('treats a dotted collection name as the collection of the first segment', () => {
    // app.system.profile: database app, collection system.profile.
    expect(patternMatches('app.*', 'app.system.profile')).toBe(true);
    expect(patternMatches('*.*.system.profile', 'app.system.profile')).toBe(true);
    expect(patternMatches('app.system.profile', 'app.system.profile')).toBe(true);
    expect(patternMatches('*.profile', 'app.system.profile')).toBe(false);
    expect(patternMatches('other.*', 'app.system.profile')).toBe(false);
  });

  it('keeps only the filters that apply', () => {
    const eq = { kind: 'eq', column: 'region', value: 'eu' } as const;
    const filters = [
      { pattern: '*.*.customers', predicate: eq, rule: 'a' },
      { pattern: '*.*.orders', predicate: eq, rule: 'b' },
    ];
    expect(filtersFor(filters, 'app.customers').map((filter) => filter.rule)).toEqual(['a']);
    expect(filtersFor(filters, 'APP.Customers').map((filter) => filter.rule)).toEqual(['a']);
    expect(filtersFor(undefined, 'app.customers')).toEqual([]);
  });
});
