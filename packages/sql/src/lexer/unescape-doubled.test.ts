import { describe, expect, it } from 'vitest';
import { unescapeDoubled } from './unescape-doubled.js';

describe('unescapeDoubled', () => {
  it('undoubles the quote character within the range only', () => {
    expect(unescapeDoubled('x"a""b"y', 2, 6, 0x22)).toBe('a"b');
    expect(unescapeDoubled('[a]]b]', 1, 5, 0x5d)).toBe('a]b');
    expect(unescapeDoubled('`é``😀`', 1, 6, 0x60)).toBe('é`😀');
    expect(unescapeDoubled('plain', 0, 5, 0x22)).toBe('plain');
  });

  it('keeps a lone trailing quote (unterminated forms)', () => {
    expect(unescapeDoubled('ab"', 0, 3, 0x22)).toBe('ab"');
  });

  // Timing shape, not a bound: 4× the input must stay well under the quadratic 16×. Retried, since
  // a burst of load can slow one measurement; a super-linear implementation fails every attempt.
  it('grows linearly with the number of escapes', { retry: 2 }, () => {
    const time = (n: number) => {
      const text = '"'.repeat(n);
      let best = Infinity;
      for (let r = 0; r < 7; r++) {
        const t = performance.now();
        unescapeDoubled(text, 0, n, 0x22);
        best = Math.min(best, performance.now() - t);
      }
      return best;
    };
    time(1 << 16);
    expect(time(1 << 20) / Math.max(time(1 << 18), 0.05)).toBeLessThan(10);
  });
});
