import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha256 } from './hmac-sha256.js';
import { EDGE_LENGTHS, randomBytes, randomText, seededRandom } from './testing/random-text.js';

function expected(key: string | Uint8Array, prefix: string, value: string): string {
  return createHmac('sha256', key).update(prefix).update(value, 'utf8').digest('hex');
}

function actual(hmac: HmacSha256, prefix: string, value: string): string {
  return Array.from(hmac.mac(prefix, value), (word) => word.toString(16).padStart(8, '0')).join('');
}

describe('HmacSha256', () => {
  const random = seededRandom(0x5eed);
  const keys: (string | Uint8Array)[] = [
    '',
    'k',
    'test-key',
    randomText(random, 40),
    'x'.repeat(64),
    'x'.repeat(65),
    randomBytes(random, 0),
    randomBytes(random, 32),
    randomBytes(random, 64),
    randomBytes(random, 65),
    randomBytes(random, 200),
  ];

  it('matches node:crypto for string and byte keys of every size class (incl. longer than a block)', () => {
    for (const key of keys) {
      const hmac = new HmacSha256(key);
      for (const length of EDGE_LENGTHS) {
        const value = randomText(random, length);
        expect(actual(hmac, '', value), `key ${keys.indexOf(key)}, length ${length}`).toBe(expected(key, '', value));
      }
    }
  });

  it('matches node:crypto over random values, ASCII and non-ASCII, with and without a prefix', () => {
    for (let round = 0; round < 300; round++) {
      const key = round % 2 === 0 ? randomText(random, Math.floor(random() * 80)) : randomBytes(random, Math.floor(random() * 100));
      const hmac = new HmacSha256(key);
      for (let n = 0; n < 10; n++) {
        const value = randomText(random, Math.floor(random() * 320));
        const prefix = n % 3 === 0 ? '' : `${Math.floor(random() * 1000)}:`;
        expect(actual(hmac, prefix, value)).toBe(expected(key, prefix, value));
      }
    }
  });

  it('macBytes on the UTF-8 of a value equals mac on the value (short, long, prefixed)', () => {
    const hmac = new HmacSha256('test-key');
    for (const length of [...EDGE_LENGTHS, 0, 400]) {
      const value = randomText(random, length);
      for (const prefix of ['', '0:', '12:', '1234567890123456:']) {
        const words = Array.from(hmac.macBytes(prefix, Buffer.from(value, 'utf8')));
        expect(words).toEqual(Array.from(hmac.mac(prefix, value)));
      }
    }
  });

  it('uses each call independently (no state carried from a longer or a native-path value)', () => {
    const hmac = new HmacSha256('test-key');
    const short = 'alice@example.com';
    const before = actual(hmac, '', short);
    actual(hmac, '', 'y'.repeat(250));
    actual(hmac, '', 'z'.repeat(4000));
    actual(hmac, '7:', 'é'.repeat(90));
    expect(actual(hmac, '', short)).toBe(before);
    expect(before).toBe(expected('test-key', '', short));
  });

  it('matches node:crypto for prefixes the pure-JS path does not take (long or non-ASCII)', () => {
    const hmac = new HmacSha256('test-key');
    for (const prefix of ['1234567890123456:', 'é:', '0:'.repeat(20)]) {
      for (const value of ['', 'abc', 'x'.repeat(300)]) expect(actual(hmac, prefix, value)).toBe(expected('test-key', prefix, value));
    }
  });
});
