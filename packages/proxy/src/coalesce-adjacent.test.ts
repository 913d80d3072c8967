import { describe, expect, it } from 'vitest';
import { coalesceAdjacent } from './coalesce-adjacent.js';

describe('coalesceAdjacent', () => {
  it('merges back-to-back views of one chunk and keeps everything else apart, in order', () => {
    const chunk = Buffer.from('abcdefghij');
    const other = Buffer.from('XY');
    const buffers = [chunk.subarray(0, 2), chunk.subarray(2, 5), chunk.subarray(5, 6), other, chunk.subarray(7, 9), chunk.subarray(9, 10)];
    coalesceAdjacent(buffers);
    expect(buffers.map((buffer) => buffer.toString())).toEqual(['abcdef', 'XY', 'hij']);
  });

  it('does not merge views with a gap between them', () => {
    const chunk = Buffer.from('abcdef');
    const buffers = [chunk.subarray(0, 2), chunk.subarray(3, 6)];
    coalesceAdjacent(buffers);
    expect(buffers.map((buffer) => buffer.toString())).toEqual(['ab', 'def']);
  });
});
