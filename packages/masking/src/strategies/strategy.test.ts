import { describe, expect, it } from 'vitest';
import { MaskPlanError } from '../errors.js';
import { compileStrategy, strategyRank } from './strategy.js';

const keys = { hash: 'test-key' };

describe('strategies', () => {
  it('redact uses **** or the replacement', () => {
    expect(compileStrategy({ kind: 'redact' }, {}, 'r')('secret')).toBe('****');
    expect(compileStrategy({ kind: 'redact', replacement: '[x]' }, {}, 'r')('secret')).toBe('[x]');
  });

  it('partial keeps the last N (default 4), never more than half, and an email domain', () => {
    const p = compileStrategy({ kind: 'partial' }, {}, 'r');
    expect(p('4111111111111111')).toBe('****1111');
    expect(p('abc')).toBe('****c');
    expect(p('a')).toBe('****');
    expect(p('alice@example.com')).toBe('****@example.com');
    expect(compileStrategy({ kind: 'partial', keep: 2 }, {}, 'r')('123456')).toBe('****56');
  });

  it('null yields NULL', () => {
    expect(compileStrategy({ kind: 'null' }, {}, 'r')('x')).toBeNull();
  });

  it('hash is keyed, deterministic, hex and 16 characters by default', () => {
    const h = compileStrategy({ kind: 'hash' }, { keys }, 'r');
    expect(h('alice@example.com')).toBe(h('alice@example.com'));
    expect(h('alice@example.com')).toMatch(/^[0-9a-f]{16}$/);
    expect(h('alice@example.com')).not.toBe(h('bob@example.com'));
    const other = compileStrategy({ kind: 'hash' }, { keys: { hash: 'other' } }, 'r');
    expect(other('alice@example.com')).not.toBe(h('alice@example.com'));
    expect(compileStrategy({ kind: 'hash' }, { keys, hashLength: 8 }, 'r')('x')).toHaveLength(8);
  });

  it('format-preserving keeps classes, case, punctuation and length; keyed and deterministic', () => {
    const f = compileStrategy({ kind: 'format-preserving' }, { keys }, 'r');
    const input = 'Ab-12 34/xY.z@Q9';
    const out = f(input);
    expect(out).toHaveLength(input.length);
    expect(out).toBe(f(input));
    expect(out).not.toBe(input);
    for (let i = 0; i < input.length; i++) {
      const a = input[i]!;
      const b = out![i]!;
      if (/\d/.test(a)) expect(b).toMatch(/\d/);
      else if (/[A-Z]/.test(a)) expect(b).toMatch(/[A-Z]/);
      else if (/[a-z]/.test(a)) expect(b).toMatch(/[a-z]/);
      else expect(b).toBe(a);
    }
    const long = 'x'.repeat(100);
    expect(f(long)).toMatch(/^[a-z]{100}$/);
    const other = compileStrategy({ kind: 'format-preserving' }, { keys: { hash: 'other' } }, 'r');
    expect(other(input)).not.toBe(out);
  });

  it('keyed strategies without keys are a plan error naming the rule', () => {
    expect(() => compileStrategy({ kind: 'hash' }, {}, 'pii-hash')).toThrow(MaskPlanError);
    expect(() => compileStrategy({ kind: 'format-preserving' }, {}, 'fp')).toThrow(/fp/);
  });

  it('ranks strictness null > redact > hash > format-preserving > partial', () => {
    const order = (['partial', 'format-preserving', 'hash', 'redact', 'null'] as const).map(strategyRank);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});
