import { describe, expect, it } from 'vitest';
import { hasNestedQuantifier } from './regex-safety.js';

describe('hasNestedQuantifier', () => {
  it('flags repeated groups that contain repeats', () => {
    for (const bad of ['(a+)+', '(a*)*', '(\\w+\\s)*', '((ab)+c)+', '(a{1,5})+', '(?:x+y)+$']) {
      expect(hasNestedQuantifier(bad), bad).toBe(true);
    }
  });

  it('accepts ordinary detector regexes', () => {
    for (const good of ['EMP-\\d{6}', '(\\d{1,3}\\.){3}\\d{1,3}', '[a-z(+)]+', '\\(a+\\)+', '(ab)+', 'a+b+', '(a|b)?c+']) {
      expect(hasNestedQuantifier(good), good).toBe(false);
    }
  });
});
