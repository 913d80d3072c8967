import { describe, expect, it } from 'vitest';
import { elementName } from './element-names.js';

/** A small deterministic PRNG, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

describe('element names', () => {
  it('are what UTF-8 decoding gives, shared or not', () => {
    const names = ['find', 'filter', '$db', 'lsid', 'cursor', 'firstBatch', 'ok', 'id', 'ns', '0', '7', '99', '1023', '1024', '007', '1e3', 'findx', 'fin', 'Find', '', 'émail', 'x'.repeat(40), '$in', '$inc'];
    for (const name of names) {
      const bytes = Buffer.concat([Buffer.from([0x02]), Buffer.from(name, 'utf8'), Buffer.from([0])]);
      expect(elementName(bytes, 1, bytes.length - 1)).toBe(name);
    }
  });

  it('decode any bytes as toString would (invalid UTF-8 included)', () => {
    const next = random(11);
    for (let round = 0; round < 5_000; round++) {
      const length = Math.floor(next() * 12);
      const bytes = Buffer.alloc(length + 2);
      for (let i = 1; i <= length; i++) bytes[i] = next() < 0.5 ? 0x30 + Math.floor(next() * 10) : 1 + Math.floor(next() * 255);
      expect(elementName(bytes, 1, 1 + length)).toBe(bytes.toString('utf8', 1, 1 + length));
    }
  });
});
