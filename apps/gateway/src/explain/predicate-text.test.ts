import { describe, expect, it } from 'vitest';
import { predicateText } from './predicate-text.js';

describe('predicateText (explain only)', () => {
  it('renders every predicate kind on one line, bracketing nested and/or', () => {
    expect(predicateText({ kind: 'eq', column: 'region', value: 'eu' })).toBe("region = 'eu'");
    expect(predicateText({ kind: 'eq', column: 'deleted_at', value: null })).toBe('deleted_at IS NULL');
    expect(predicateText({ kind: 'in', column: 't', values: ['a', 2, true] })).toBe("t IN ('a', 2, true)");
    expect(predicateText({ kind: 'in', column: 't', values: [] })).toBe('FALSE (t IN an empty list)');
    expect(
      predicateText({
        kind: 'and',
        predicates: [
          { kind: 'not', predicate: { kind: 'eq', column: 's', value: 'closed' } },
          { kind: 'or', predicates: [{ kind: 'eq', column: 'a', value: 1 }, { kind: 'eq', column: 'b', value: false }] },
        ],
      }),
    ).toBe("NOT (s = 'closed') AND (a = 1 OR b = false)");
  });

  it("doubles quotes inside text, so the line reads unambiguously", () => {
    expect(predicateText({ kind: 'eq', column: 'region', value: "eu' OR '1'='1" })).toBe("region = 'eu'' OR ''1''=''1'");
  });
});
