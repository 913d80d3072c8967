import { describe, expect, it } from 'vitest';
import type { Dialect } from './dialect.js';
import { compileObjectPattern, objectPatternProblem, wildcardMatch } from './object-pattern.js';
import type { ObjectMatchMode } from './object-pattern.js';
import { ObjectPatternCache } from './object-pattern-cache.js';

const broad = (pattern: string, name: string, dialect: Dialect = 'postgres') => compileObjectPattern(pattern, 'broad').matches(name, dialect);
const narrow = (pattern: string, name: string, dialect: Dialect = 'postgres') => compileObjectPattern(pattern, 'narrow').matches(name, dialect);
const both = (pattern: string, name: string, dialect: Dialect = 'postgres') => [broad(pattern, name, dialect), narrow(pattern, name, dialect)];

describe('object patterns on three-part names (postgres, mssql)', () => {
  it('"*" is exactly one segment in both modes', () => {
    expect(both('*.*.users', 'orders.public.users')).toEqual([true, true]);
    expect(both('*.users', 'orders.public.users')).toEqual([false, false]);
    expect(both('*.*.*.users', 'orders.public.users', 'mssql')).toEqual([false, false]);
    expect(both('*.*.users', 'orders.public.orders')).toEqual([false, false]);
  });

  it('"*" inside a segment matches part of it, never across a dot', () => {
    expect(both('*email*', 'work_email_address')).toEqual([true, true]);
    expect(both('*email*', 'users.email')).toEqual([false, false]);
    expect(both('orders.public.user*', 'orders.public.users')).toEqual([true, true]);
    expect(both('orders.p*c.users', 'orders.public.users')).toEqual([true, true]);
    expect(both('orders.p*x.users', 'orders.public.users')).toEqual([false, false]);
  });

  it('"**" is any number of segments, including none', () => {
    expect(both('orders.**', 'orders.public.users')).toEqual([true, true]);
    expect(both('orders.**', 'orders')).toEqual([true, true]);
    expect(both('**.users', 'users')).toEqual([true, true]);
    expect(both('**.users', 'a.b.c.users')).toEqual([true, true]);
    expect(both('a.**.c', 'a.c')).toEqual([true, true]);
    expect(both('a.**.c', 'a.x.y.c')).toEqual([true, true]);
    expect(both('a.**.c', 'a.x.y.d')).toEqual([false, false]);
    expect(both('**', 'anything.at.all')).toEqual([true, true]);
    expect(both('a.**.**.b', 'a.b')).toEqual([true, true]);
  });

  it('ignores case and treats regex characters literally', () => {
    expect(both('orders.public.users', 'ORDERS.Public.Users')).toEqual([true, true]);
    expect(both('ORDERS.*.USER*', 'orders.public.users')).toEqual([true, true]);
    expect(both('a+b.c', 'a+b.c')).toEqual([true, true]);
    expect(both('a+b.c', 'aab.c')).toEqual([false, false]);
    expect(both('a$.(b)', 'a$.(b)')).toEqual([true, true]);
  });

  it('an unresolved "?" segment matches anything only in broad mode', () => {
    expect(both('orders.*.users', '?.public.users')).toEqual([true, false]);
    expect(both('*.public.users', '?.public.users')).toEqual([true, true]);
    expect(both('?.public.users', '?.public.users')).toEqual([true, true]);
    expect(both('orders.*.users', '?.public.orders')).toEqual([false, false]);
  });

  it('never inserts a schema for dialects that have one', () => {
    expect(both('*.*.users', 'orders.users', 'postgres')).toEqual([false, false]);
    expect(both('*.*.users', 'orders.users', 'mssql')).toEqual([false, false]);
  });
});

describe('object patterns on schemaless names (mysql, mongodb)', () => {
  const schemaless: Dialect[] = ['mysql', 'mongodb'];

  it('the name as written matches in both modes', () => {
    for (const dialect of schemaless) {
      expect(both('shop.customers', 'shop.customers', dialect)).toEqual([true, true]);
      expect(both('*.customers', 'shop.customers', dialect)).toEqual([true, true]);
      expect(both('shop.**', 'shop.customers', dialect)).toEqual([true, true]);
      expect(both('**.customers', 'shop.customers', dialect)).toEqual([true, true]);
      expect(both('*.orders', 'shop.customers', dialect)).toEqual([false, false]);
    }
  });

  it('broad: the missing schema matches any single pattern segment', () => {
    for (const dialect of schemaless) {
      expect(broad('*.*.customers', 'shop.customers', dialect)).toBe(true);
      expect(broad('*.public.customers', 'shop.customers', dialect)).toBe(true);
      expect(broad('shop.p*.customers', 'shop.customers', dialect)).toBe(true);
      expect(broad('shop.*.customers', 'other.customers', dialect)).toBe(false);
      expect(broad('*.*.customers', 'shop.orders', dialect)).toBe(false);
      // One missing schema, not two.
      expect(broad('*.*.*.customers', 'shop.customers', dialect)).toBe(false);
    }
  });

  it('narrow: the missing schema matches only a whole "*" or "**"', () => {
    for (const dialect of schemaless) {
      expect(narrow('*.*.customers', 'shop.customers', dialect)).toBe(true);
      expect(narrow('shop.*.customers', 'shop.customers', dialect)).toBe(true);
      expect(narrow('*.public.customers', 'shop.customers', dialect)).toBe(false);
      expect(narrow('*.p*.customers', 'shop.customers', dialect)).toBe(false);
      expect(narrow('shop.**.customers', 'shop.customers', dialect)).toBe(true);
      expect(narrow('*.*.customers', 'shop.orders', dialect)).toBe(false);
      expect(narrow('*.*.*.customers', 'shop.customers', dialect)).toBe(false);
      // "?" is plain text in narrow mode.
      expect(narrow('shop.*.customers', '?.customers', dialect)).toBe(false);
    }
  });

  it('a single-segment name (a database, a role) has no schema slot', () => {
    expect(both('shop.*', 'shop', 'mysql')).toEqual([false, false]);
    expect(both('*', 'shop', 'mysql')).toEqual([true, true]);
  });

  it('dotted MongoDB collection names: the dialect decides where the schema is missing, not the dot count', () => {
    // app.system.profile is database app, collection system.profile.
    expect(both('*.*.system.profile', 'app.system.profile', 'mongodb')).toEqual([true, true]);
    expect(both('app.system.*', 'app.system.profile', 'mongodb')).toEqual([true, true]);
    expect(both('app.**', 'app.system.profile', 'mongodb')).toEqual([true, true]);
    // The same text as a postgres name is database app, schema system, table profile.
    expect(both('*.*.system.profile', 'app.system.profile', 'postgres')).toEqual([false, false]);
    // Broad: a whole "*" covers the dotted collection (a deny on "every collection of app" holds).
    expect(both('app.*', 'app.system.profile', 'mongodb')).toEqual([true, false]);
    expect(both('*.*.*', 'app.events.2024.eu', 'mongodb')).toEqual([true, false]);
    expect(broad('app.*', 'app.system.profile', 'mysql')).toBe(false);
    // Never spans the database segment.
    expect(broad('*.profile', 'app.system.profile', 'mongodb')).toBe(false);
  });

  it('column paths: masks written with a schema cover MySQL columns and MongoDB fields', () => {
    const mask = compileObjectPattern('*.*.users.email', 'broad');
    expect(mask.matchesSegments(['shop', 'users', 'email'], 'mysql')).toBe(true);
    expect(mask.matchesSegments(['app', 'users', 'email'], 'mongodb')).toBe(true);
    expect(mask.matchesSegments(['app', 'public', 'users', 'email'], 'postgres')).toBe(true);
    expect(mask.matchesSegments(['app', 'users', 'email'], 'postgres')).toBe(false);
    expect(mask.matchesSegments(['app', 'users', 'phone'], 'mongodb')).toBe(false);
    expect(mask.matchesSegments(['APP', 'Users', 'EMAIL'], 'mongodb')).toBe(true);
    // A star source (any column of the table) is masked by every column rule of that table.
    expect(mask.matchesSegments(['app', 'users', '*'], 'mysql')).toBe(true);
  });
});

describe('the regex fast path and the table walk agree', () => {
  it('on every combination of a small alphabet of segments', () => {
    const patternSegments = ['*', '**', 'a', 'b', 'a*', '*a*', '?', 'x*y', 'A'];
    const nameSegments = ['a', 'b', 'ab', '?', '*', 'xay', 'A', '', '\u0001'];
    let seed = 7;
    const pick = <T>(list: readonly T[]): T => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return list[seed % list.length]!;
    };
    const dialects: Dialect[] = ['postgres', 'mssql', 'mysql', 'mongodb'];
    const modes: ObjectMatchMode[] = ['broad', 'narrow'];
    let checked = 0;
    let matched = 0;
    for (let round = 0; round < 600; round++) {
      const pattern = Array.from({ length: 1 + (round % 4) }, () => pick(patternSegments)).join('.');
      const name = Array.from({ length: 1 + (round % 5) }, () => pick(nameSegments)).join('.');
      for (const mode of modes) {
        const compiled = compileObjectPattern(pattern, mode);
        for (const dialect of dialects) {
          // matches() takes the regex when it is safe; matchesSegments() always walks the table.
          const fast = compiled.matches(name, dialect);
          expect(fast, `${mode} ${pattern} ~ ${dialect} ${JSON.stringify(name)}`).toBe(compiled.matchesSegments(name.split('.'), dialect));
          checked++;
          if (fast) matched++;
        }
      }
    }
    expect(checked).toBe(4_800);
    // The alphabet is small enough that a fair share matches: the comparison is not all-false.
    expect(matched).toBeGreaterThan(400);
  });
});

describe('pattern helpers', () => {
  it('wildcardMatch is linear on adversarial input', () => {
    expect(wildcardMatch('*a*b', 'xaxb')).toBe(true);
    const started = process.hrtime.bigint();
    expect(wildcardMatch('*a*a*a*a*a*b', 'a'.repeat(5_000))).toBe(false);
    // Generous bound: backtracking regexes take seconds here; this walk takes milliseconds.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2_000);
  });

  it('a hostile dotted name cannot make matching slow', () => {
    const name = `app.${Array.from({ length: 120 }, () => 'a').join('.')}`;
    const pattern = compileObjectPattern('*.*.*.*.*.*.*.b', 'broad');
    const started = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) expect(pattern.matches(name, 'mongodb')).toBe(false);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2_000);
  });

  it('reports malformed patterns', () => {
    expect(objectPatternProblem('')).toMatch(/empty pattern/);
    expect(objectPatternProblem('a..b')).toMatch(/empty segment/);
    expect(objectPatternProblem('a**.b')).toMatch(/whole segment/);
    expect(objectPatternProblem('a.**.b')).toBeUndefined();
  });

  it('the cache compiles each pattern once per mode', () => {
    const modes: ObjectMatchMode[] = ['broad', 'narrow'];
    for (const mode of modes) {
      const cache = new ObjectPatternCache(mode, 2);
      const first = cache.get('*.*.users');
      expect(cache.get('*.*.users')).toBe(first);
      expect(first.mode).toBe(mode);
      cache.get('a');
      // Full: starts over rather than growing without bound.
      cache.get('b');
      expect(cache.get('*.*.users')).not.toBe(first);
    }
  });

  it('reuses its scratch rows across names of different lengths', () => {
    const pattern = compileObjectPattern('a.**.z', 'narrow');
    const long = ['a', ...Array.from({ length: 40 }, (_, i) => `s${i}`), 'z'].join('.');
    expect(pattern.matches(long, 'postgres')).toBe(true);
    expect(pattern.matches('a.z', 'postgres')).toBe(true);
    expect(pattern.matches('a.y', 'postgres')).toBe(false);
    expect(pattern.matches(`${long}.y`, 'postgres')).toBe(false);
  });
});
