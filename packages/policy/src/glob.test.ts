import { describe, expect, it } from 'vitest';
import { globProblem } from './glob.js';

describe('globs', () => {
  it('reports malformed globs with the shared object-pattern rules', () => {
    expect(globProblem('')).toMatch(/empty pattern/);
    expect(globProblem('a..b')).toMatch(/empty segment/);
    expect(globProblem('a**.b')).toMatch(/whole segment/);
    expect(globProblem('a.**.b')).toBeUndefined();
  });
});
