import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256Compressor } from './sha256-compressor.js';
import { randomBytes, seededRandom } from './testing/random-text.js';

/** SHA-256 of `message` through the compressor: FIPS 180-4 padding, from the initial hash value. */
function digest(message: Uint8Array): string {
  const padded = new Uint8Array(Math.ceil((message.length + 9) / 64) * 64);
  padded.set(message);
  padded[message.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 4, message.length * 8);
  const compressor = new Sha256Compressor();
  compressor.compress(view, 0, padded.length);
  const words = new Uint32Array(8);
  compressor.save(words);
  return Array.from(words, (word) => word.toString(16).padStart(8, '0')).join('');
}

describe('Sha256Compressor', () => {
  it('computes SHA-256 exactly as node:crypto over one block, block edges and many blocks', () => {
    const random = seededRandom(0xc0ffee);
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1_000]) {
      const message = randomBytes(random, length);
      expect(digest(message), `length ${length}`).toBe(createHash('sha256').update(message).digest('hex'));
    }
  });

  it('restores a saved chaining state and continues from it', () => {
    const random = seededRandom(7);
    const first = randomBytes(random, 64);
    const second = randomBytes(random, 64);
    const whole = new Sha256Compressor();
    whole.compress(new DataView(new Uint8Array([...first, ...second]).buffer), 0, 128);
    const split = new Sha256Compressor();
    split.compress(new DataView(first.buffer, first.byteOffset, 64), 0, 64);
    const state = new Uint32Array(8);
    split.save(state);
    const resumed = new Sha256Compressor();
    resumed.restore(state);
    resumed.compress(new DataView(second.buffer, second.byteOffset, 64), 0, 64);
    const a = new Uint32Array(8);
    const b = new Uint32Array(8);
    whole.save(a);
    resumed.save(b);
    expect([...b]).toEqual([...a]);
  });
});
