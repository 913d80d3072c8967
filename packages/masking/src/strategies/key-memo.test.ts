import { describe, expect, it } from 'vitest';
import { KeyMemo } from './key-memo.js';

describe('KeyMemo', () => {
  it('derives once per key content, for string and byte keys alike', () => {
    const memo = new KeyMemo<number>(4);
    let derivations = 0;
    const derive = () => ++derivations;
    expect(memo.get('k', derive)).toBe(1);
    expect(memo.get('k', derive)).toBe(1);
    expect(memo.get(Uint8Array.of(1, 2), derive)).toBe(2);
    expect(memo.get(Uint8Array.of(1, 2), derive)).toBe(2);
    expect(memo.get(Uint8Array.of(107), derive)).toBe(3); // the byte "k" is not the string "k"
  });

  it('never returns a stale value for a key buffer changed in place', () => {
    const memo = new KeyMemo<string>(4);
    const key = Uint8Array.of(1, 2, 3);
    const hex = (k: string | Uint8Array) => Buffer.from(k as Uint8Array).toString('hex');
    expect(memo.get(key, hex)).toBe('010203');
    key[0] = 9;
    expect(memo.get(key, hex)).toBe('090203');
  });

  it('holds at most `max` keys', () => {
    const memo = new KeyMemo<number>(2);
    let derivations = 0;
    const derive = () => ++derivations;
    memo.get('a', derive);
    memo.get('b', derive);
    memo.get('c', derive); // full: starts over
    expect(memo.get('c', derive)).toBe(3);
    expect(memo.get('a', derive)).toBe(4);
  });
});
