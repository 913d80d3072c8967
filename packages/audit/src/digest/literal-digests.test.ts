import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuditConfigError } from '../errors.js';
import { literalDigest, literalDigests, normalizeLiteral, touchDigest } from './literal-digests.js';

const KEY = 'k'.repeat(32);

describe('normalizeLiteral', () => {
  it('makes numbers and numeric strings that compare equal in SQL identical', () => {
    for (const same of [42, '42', '042', '42.0', ' 42 ', 42n]) expect(normalizeLiteral(same)).toBe('42');
    expect(normalizeLiteral('-0.50')).toBe('-0.5');
    expect(normalizeLiteral('12345678901234567890')).toBe('12345678901234567890');
    expect(normalizeLiteral('Bob')).not.toBe(normalizeLiteral('bob'));
    expect(normalizeLiteral(null)).toBeUndefined();
    expect(normalizeLiteral(true)).toBe('true');
    for (const zero of ['0', '000', '-0', '0.0', 0]) expect(normalizeLiteral(zero)).toBe('0');
    for (const [text, normal] of [['10', '10'], ['100.000', '100'], ['+7', '7'], ['7a', '7a'], ['', '']]) expect(normalizeLiteral(text)).toBe(normal);
  });
});

describe('literalDigests', () => {
  it('is keyed HMAC per table and column, plus one for "any column"', () => {
    const digests = literalDigests(KEY, [{ object: 'app.public.users', column: 'id', value: 42 }]);
    expect(digests).toHaveLength(2);
    expect(digests).toContain(literalDigest(KEY, 'app.public.users', 'id', '42'));
    expect(digests).toContain(touchDigest(KEY, 'app.public.users', undefined, 42));
    expect(literalDigest(KEY, 'app.public.orders', 'id', 42)).not.toBe(literalDigest(KEY, 'app.public.users', 'id', 42));
    expect(literalDigest('x'.repeat(32), 'app.public.users', 'id', 42)).not.toBe(literalDigest(KEY, 'app.public.users', 'id', 42));
  });

  it('keys bare parameters by position and never returns the value', () => {
    const digests = literalDigests(KEY, [{ object: 't', position: 2, value: 'secret-value' }]);
    expect(digests).toEqual([literalDigest(KEY, 't', '$2', 'secret-value'), touchDigest(KEY, 't', undefined, 'secret-value')].sort());
    expect(digests.join('')).not.toContain('secret');
  });

  it('is exactly HMAC-SHA256 for every key and message length', () => {
    for (const key of [KEY, 'k'.repeat(64), 'long-'.repeat(30), Buffer.alloc(48, 7)]) {
      for (const value of ['', 'é-ü-€-😀', 'x'.repeat(1_000), 'y'.repeat(5_000), 'z'.repeat(70_000), 'short again']) {
        const expected = createHmac('sha256', Buffer.from(key)).update(`app.public.users.email\0${normalizeLiteral(value)}`).digest('hex');
        expect(literalDigest(key, 'app.public.users', 'email', value)).toBe(expected);
      }
    }
  });

  it('refuses short keys', () => {
    expect(() => literalDigests('short', [{ object: 't', column: 'c', value: 1 }])).toThrow(AuditConfigError);
  });
});
