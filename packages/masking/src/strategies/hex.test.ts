import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hexPrefix, hexPrefixBytes } from './hex.js';

describe('hexPrefix', () => {
  const digest = createHash('sha256').update('hex prefix test').digest();
  const words = Uint32Array.from({ length: 8 }, (_, i) => digest.readUInt32BE(i * 4));
  const hex = digest.toString('hex');

  it('equals the digest hex truncated to every length 1–64', () => {
    for (let length = 1; length <= 64; length++) expect(hexPrefix(words, length)).toBe(hex.slice(0, length));
  });

  it('gives the same characters as ASCII bytes (hexPrefixBytes)', () => {
    for (let length = 1; length <= 64; length++) expect(Buffer.from(hexPrefixBytes(words, length)).toString('latin1')).toBe(hex.slice(0, length));
  });
});
