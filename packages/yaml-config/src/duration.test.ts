import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('converts units to milliseconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('8h')).toBe(28_800_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1h30m')).toBe(5_400_000);
  });

  it('refuses malformed or zero durations', () => {
    for (const bad of ['15', 'm', '15 m', '-5m', '0s', '1.5h', '15x', '']) expect(parseDuration(bad), bad).toBeUndefined();
  });
});
