import { describe, expect, it } from 'vitest';
import { IdentityConfigError } from './errors.js';
import { ttlToSeconds } from './duration.js';

describe('ttlToSeconds', () => {
  it('reads seconds and unit strings', () => {
    expect(ttlToSeconds(90)).toBe(90);
    expect(ttlToSeconds('45s')).toBe(45);
    expect(ttlToSeconds('15m')).toBe(900);
    expect(ttlToSeconds('8h')).toBe(28_800);
    expect(ttlToSeconds('1h30m')).toBe(5_400);
    expect(ttlToSeconds('7d')).toBe(604_800);
  });

  it('refuses zero, negatives, fractions and unknown units', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, '', '0s', '8', '8x', '1.5h', 'h', '-1h', '1 h']) {
      expect(() => ttlToSeconds(bad), String(bad)).toThrow(IdentityConfigError);
    }
  });
});
