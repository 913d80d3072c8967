import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatPreservingBytesStrategy, formatPreservingStrategy } from './format-preserving.js';
import { formatPreservingKey } from './keys.js';
import { EDGE_LENGTHS, randomBytes, randomText, seededRandom } from './testing/random-text.js';

/** The strategy as first written with node:crypto (one HMAC per 32 keystream bytes): outputs must never change. */
function reference(key: string | Uint8Array): (value: string) => string {
  return (value) => {
    let stream = createHmac('sha256', key).update('0:').update(value, 'utf8').digest();
    let block = 0;
    let used = 0;
    let out = '';
    for (let i = 0; i < value.length; i++) {
      const kind = referenceClass(value.charCodeAt(i));
      if (kind === 0) {
        out += value[i];
        continue;
      }
      if (used === stream.length) {
        block++;
        stream = createHmac('sha256', key).update(`${block}:`).update(value, 'utf8').digest();
        used = 0;
      }
      const r = stream[used++]!;
      out += kind === 1 ? String.fromCharCode(48 + (r % 10)) : kind === 2 ? String.fromCharCode(65 + (r % 26)) : String.fromCharCode(97 + (r % 26));
    }
    return out;
  };
}

function referenceClass(c: number): number {
  if (c >= 48 && c <= 57) return 1;
  if (c >= 65 && c <= 90) return 2;
  if (c >= 97 && c <= 122) return 3;
  if (c < 128 || (c >= 0xd800 && c <= 0xdfff)) return 0;
  const s = String.fromCharCode(c);
  if (s.toUpperCase() === s.toLowerCase()) return 0;
  return s === s.toUpperCase() ? 2 : 3;
}

describe('format-preserving strategy output', () => {
  it('is identical to the HMAC-SHA256 keystream definition over random keys and values', () => {
    const random = seededRandom(0xf9e);
    for (let round = 0; round < 40; round++) {
      const key = round % 2 === 0 ? randomText(random, 1 + Math.floor(random() * 70)) : randomBytes(random, 32);
      const mask = formatPreservingStrategy(key);
      const expected = reference(key);
      const values = [...EDGE_LENGTHS.map((n) => randomText(random, n)), randomText(random, Math.floor(random() * 400))];
      for (const value of values) expect(mask(value)).toBe(expected(value));
    }
  });

  it('draws several keystream blocks for long alphanumeric values, and none for values without any', () => {
    const mask = formatPreservingStrategy('test-key');
    const expected = reference('test-key');
    for (const value of ['a'.repeat(32), 'a'.repeat(33), '9'.repeat(100), 'Zz'.repeat(400), 'a-'.repeat(3000), '--- ...', '']) {
      expect(mask(value)).toBe(expected(value));
    }
  });
});

describe('format-preserving strategy on bytes', () => {
  it('gives the output of the string form for ASCII values and leaves the rest to it', () => {
    const random = seededRandom(0xa5c11);
    const mask = formatPreservingBytesStrategy('test-key');
    const expected = reference('test-key');
    for (const n of EDGE_LENGTHS) {
      const value = Array.from({ length: n }, () => String.fromCharCode(Math.floor(random() * 128))).join('');
      expect(Buffer.from(mask(Buffer.from(value, 'latin1'))!).toString('latin1')).toBe(expected(value));
    }
    expect(mask(Buffer.from('Zoë', 'utf8'))).toBeUndefined();
    const punctuation = Buffer.from('--- ...@');
    expect(mask(punctuation)).toBe(punctuation);
  });
});

describe('format-preserving key', () => {
  it('is derived from the hash key with the label, the same on every compilation', () => {
    for (const hash of ['test-key', Uint8Array.of(1, 2, 3)]) {
      const derived = createHmac('sha256', hash).update('gatehouse/format-preserving/v1').digest();
      expect(Buffer.from(formatPreservingKey({ hash }) as Uint8Array).equals(derived)).toBe(true);
      expect(formatPreservingStrategy(formatPreservingKey({ hash }))('Ab-12 34/xY.z@Q9')).toBe(reference(derived)('Ab-12 34/xY.z@Q9'));
    }
    expect(formatPreservingKey({ hash: 'h', formatPreserving: 'own' })).toBe('own');
  });
});
