import { describe, expect, it } from 'vitest';
import { OpenStatements } from './open-statements.js';

describe('OpenStatements', () => {
  it('holds one statement at a time in its slot and finds, replaces and removes it', () => {
    const open = new OpenStatements<object, string>();
    const a = {};
    expect(open.get(a)).toBeUndefined();
    open.set(a, 'a');
    expect(open.size).toBe(1);
    expect(open.get(a)).toBe('a');
    expect(open.get({})).toBeUndefined();
    open.set(a, 'a again');
    expect(open.size).toBe(1);
    expect(open.get(a)).toBe('a again');
    expect(open.delete(a)).toBe(true);
    expect(open.delete(a)).toBe(false);
    expect(open.size).toBe(0);
    expect([...open.values()]).toEqual([]);
  });

  it('keeps pipelined statements oldest first, whichever completes first', () => {
    const open = new OpenStatements<object, string>();
    const [a, b, c, d] = [{}, {}, {}, {}];
    open.set(a, 'a');
    open.set(b, 'b');
    open.set(c, 'c');
    expect([...open.values()]).toEqual(['a', 'b', 'c']);
    // The oldest completes: the next oldest is first; a new one goes last, not into the freed slot's place.
    expect(open.delete(a)).toBe(true);
    open.set(d, 'd');
    expect([...open.values()]).toEqual(['b', 'c', 'd']);
    open.set(c, 'c again');
    expect([...open.values()]).toEqual(['b', 'c again', 'd']);
    expect(open.shift()).toBe('b');
    expect(open.shift()).toBe('c again');
    expect(open.size).toBe(1);
    expect(open.get(d)).toBe('d');
    open.clear();
    expect(open.size).toBe(0);
    expect(open.shift()).toBeUndefined();
  });

  it('fills its slot again only once nothing else is open', () => {
    const open = new OpenStatements<object, string>();
    const [a, b, c] = [{}, {}, {}];
    open.set(a, 'a');
    open.set(b, 'b');
    expect(open.shift()).toBe('a');
    open.set(c, 'c');
    expect([...open.values()]).toEqual(['b', 'c']);
    expect(open.delete(b)).toBe(true);
    expect(open.delete(c)).toBe(true);
    open.set(a, 'a');
    expect([...open.values()]).toEqual(['a']);
    expect(open.get(a)).toBe('a');
  });
});
