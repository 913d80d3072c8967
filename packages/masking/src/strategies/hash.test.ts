import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashBytesStrategy, hashStrategy } from './hash.js';
import { EDGE_LENGTHS, randomBytes, randomText, seededRandom } from './testing/random-text.js';

/** The strategy's definition, as it was first written with node:crypto: masked values must never change. */
function reference(key: string | Uint8Array, length: number): (value: string) => string {
  const n = Math.max(1, Math.min(64, length));
  return (value) => createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, n);
}

describe('hash strategy output', () => {
  it('is bit-identical to HMAC-SHA256 hex over random keys, values and lengths', () => {
    const random = seededRandom(0xa5e);
    for (let round = 0; round < 200; round++) {
      const key = round % 2 === 0 ? randomText(random, 1 + Math.floor(random() * 70)) : randomBytes(random, 1 + Math.floor(random() * 90));
      const length = round % 5 === 0 ? 64 : 1 + Math.floor(random() * 64);
      const mask = hashStrategy(key, length);
      const expected = reference(key, length);
      const values = [...EDGE_LENGTHS.map((n) => randomText(random, n)), randomText(random, Math.floor(random() * 400))];
      for (const value of values) expect(mask(value)).toBe(expected(value));
    }
  });

  it('on bytes, gives the same hex as ASCII bytes, and leaves invalid UTF-8 to the string form', () => {
    const random = seededRandom(0xb17e5);
    for (const length of [1, 16, 64, 100]) {
      const mask = hashBytesStrategy('test-key', length);
      const expected = reference('test-key', length);
      for (const n of EDGE_LENGTHS) {
        const value = randomText(random, n);
        expect(Buffer.from(mask(Buffer.from(value, 'utf8'))!).toString('latin1')).toBe(expected(value));
      }
      expect(mask(Uint8Array.of(0x61, 0xc3))).toBeUndefined();
    }
  });

  it('clamps the length like before (0 → 1, 100 → 64, default 16)', () => {
    for (const length of [0, -3, 1, 15, 16, 63, 64, 100]) expect(hashStrategy('k', length)('v')).toBe(reference('k', length)('v'));
    expect(hashStrategy('k')('v')).toBe(reference('k', 16)('v'));
  });
});

describe('hash strategy keys', () => {
  it('follows a key buffer changed in place between compilations (no stale pad states)', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(hashStrategy(key)('alice@example.com')).toBe(reference(key, 16)('alice@example.com'));
    key[0] = 0xff;
    expect(hashStrategy(key)('alice@example.com')).toBe(reference(key, 16)('alice@example.com'));
  });
});
