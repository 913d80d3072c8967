import { describe, expect, it } from 'vitest';
import { closestMatch, didYouMean } from './suggest.js';

describe('suggestions', () => {
  it('suggests a close candidate and nothing for unrelated words', () => {
    expect(closestMatch('efect', ['effect', 'mode', 'when'])).toBe('effect');
    expect(closestMatch('reads', ['read', 'write'])).toBe('read');
    expect(closestMatch('banana', ['read', 'write'])).toBeUndefined();
    expect(didYouMean('UNLESS', ['unless'])).toBe(' — did you mean "unless"?');
  });
});
