import { describe, expect, it } from 'vitest';
import { parseByteSize } from './byte-size.js';

describe('parseByteSize', () => {
  it('reads decimal and binary units', () => {
    expect(parseByteSize('500MB')).toBe(500_000_000);
    expect(parseByteSize('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('1.5 kB')).toBe(1500);
    expect(parseByteSize('4096B')).toBe(4096);
  });

  it('refuses what it cannot read unambiguously', () => {
    for (const text of ['500', '0MB', 'MB', '5 parsecs', '-1GB', '']) expect(parseByteSize(text), text).toBeUndefined();
  });
});
