import { describe, expect, it } from 'vitest';
import { compileGlob, globProblem, globSource } from './glob.js';

const matches = (pattern: string, name: string) => compileGlob(pattern).test(name);

describe('globs', () => {
  it('"*" is exactly one dotted segment', () => {
    expect(matches('*.*.users', 'orders.public.users')).toBe(true);
    expect(matches('*.users', 'orders.public.users')).toBe(false);
    expect(matches('*.*.*.users', 'orders.public.users')).toBe(false);
  });

  it('"*" inside a segment matches part of it, never a dot', () => {
    expect(matches('*email*', 'work_email_address')).toBe(true);
    expect(matches('*email*', 'users.email')).toBe(false);
    expect(matches('orders.public.user*', 'orders.public.users')).toBe(true);
  });

  it('"**" is any number of segments, including none', () => {
    expect(matches('orders.**', 'orders.public.users')).toBe(true);
    expect(matches('orders.**', 'orders')).toBe(true);
    expect(matches('**.users', 'users')).toBe(true);
    expect(matches('**.users', 'a.b.c.users')).toBe(true);
    expect(matches('a.**.c', 'a.c')).toBe(true);
    expect(matches('a.**.c', 'a.x.y.c')).toBe(true);
    expect(matches('a.**.c', 'a.x.y.d')).toBe(false);
    expect(matches('**', 'anything.at.all')).toBe(true);
    // A quoted identifier or a MongoDB collection may hold a newline; "**" still covers it.
    expect(matches('**', 'app.odd\nname')).toBe(true);
  });

  it('treats everything else literally and ignores case', () => {
    expect(matches('orders.public.users', 'ORDERS.Public.Users')).toBe(true);
    expect(matches('a+b.c', 'a+b.c')).toBe(true);
    expect(matches('a+b.c', 'aab.c')).toBe(false);
    expect(matches('?.public.t', '?.public.t')).toBe(true);
    expect(globSource('a.b')).toBe('^a\\.b$');
  });

  it('reports malformed globs with the shared object-pattern rules', () => {
    expect(globProblem('')).toMatch(/empty pattern/);
    expect(globProblem('a..b')).toMatch(/empty segment/);
    expect(globProblem('a**.b')).toMatch(/whole segment/);
    expect(globProblem('a.**.b')).toBeUndefined();
  });
});
