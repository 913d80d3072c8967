import { describe, expect, it } from 'vitest';
import { CustomDetectorError } from '../errors.js';
import { customDetector } from './custom.js';
import type { DetectorMatch } from './types.js';

function found(spec: { regex?: string; words?: string[] }, text: string): string[] {
  const out: DetectorMatch[] = [];
  customDetector({ name: 'c', ...spec }).find(text, out);
  return out.sort((a, b) => a.start - b.start).map((m) => text.slice(m.start, m.end));
}

describe('custom regex detectors (linear-time engine)', () => {
  it('matches leftmost-longest, non-overlapping spans', () => {
    expect(found({ regex: 'EMP-\\d{6}\\b' }, 'EMP-123456, EMP-12345, EMP-1234567')).toEqual(['EMP-123456']);
    expect(found({ regex: 'ab|abcd' }, 'abcd ab')).toEqual(['abcd', 'ab']);
    expect(found({ regex: '[A-Z]{2}-[0-9]+' }, 'AB-12 cd-34 XY-9')).toEqual(['AB-12', 'XY-9']);
    expect(found({ regex: '^start' }, 'start start')).toEqual(['start']);
    expect(found({ regex: 'end$' }, 'end end')).toEqual(['end']);
  });

  it('supports (?i), classes, escapes and named groups', () => {
    expect(found({ regex: '(?i)project\\s+falcon' }, 'PROJECT   Falcon; project falcon')).toEqual([
      'PROJECT   Falcon',
      'project falcon',
    ]);
    expect(found({ regex: '(?<id>[^\\s,]+)@corp' }, 'x a.b@corp, c@corp')).toEqual(['a.b@corp', 'c@corp']);
    expect(found({ regex: '\\x41\\u0042[\\d-]{2}' }, 'AB1- AB')).toEqual(['AB1-']);
  });

  it('runs nested quantifiers without backtracking', () => {
    expect(found({ regex: '(a+)+b' }, 'a'.repeat(5000) + 'b')).toEqual(['a'.repeat(5000) + 'b']);
    expect(found({ regex: '\\d+\\d+x' }, '1'.repeat(3000) + 'x 12x')).toEqual(['1'.repeat(3000) + 'x', '12x']);
  });

  for (const [regex, reason] of [
    ['(a)\\1', /backreference/],
    ['(?<n>a)\\k<n>', /backreference/],
    ['(?=a)b', /lookaround/],
    ['(?!a)b', /lookaround/],
    ['(?<=a)b', /lookaround/],
    ['(?<!a)b', /lookaround/],
    ['\\p{L}', /Unicode property/],
    ['[a', /unterminated/],
    ['(a', /missing/],
    ['a)', /unmatched/],
    ['*a', /nothing to repeat/],
    ['a{2000}', /above 1000/],
    ['', /empty/],
  ] as const) {
    it(`refuses /${regex}/`, () => {
      expect(() => customDetector({ name: 'bad', regex })).toThrow(CustomDetectorError);
      expect(() => customDetector({ name: 'bad', regex })).toThrow(reason);
    });
  }

  it('needs exactly one of regex or words', () => {
    expect(() => customDetector({ name: 'x' })).toThrow(/exactly one/);
    expect(() => customDetector({ name: 'x', regex: 'a', words: ['a'] })).toThrow(/exactly one/);
    expect(() => customDetector({ name: 'x', words: [' '] })).toThrow(/empty/);
  });
});

describe('custom word-list detectors', () => {
  it('match whole words case-insensitively, including phrases', () => {
    expect(found({ words: ['Falcon', 'project x'] }, 'Falcon, falconry, PROJECT X. defalcon')).toEqual(['Falcon', 'PROJECT X']);
  });

  it('report overlapping words', () => {
    expect(found({ words: ['new york', 'york city'] }, 'New York City')).toEqual(['New York', 'York City']);
  });

  it('handle non-ASCII words', () => {
    expect(found({ words: ['Zürich'] }, 'office in zürich, Zürichsee')).toEqual(['zürich']);
  });
});
