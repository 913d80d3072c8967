import { describe, expect, it } from 'vitest';
import { PacketReader } from '../protocol/packet-reader.js';
import { framePayload } from '../protocol/writer.js';
import { prng, splitAt } from '../testing/support.js';
import { coalesceAdjacent } from '@gatehouse/proxy';

describe('coalesceAdjacent', () => {
  it('merges back-to-back views of one chunk and keeps everything else apart, in order', () => {
    const chunk = Buffer.from('abcdefghij');
    const other = Buffer.from('XY');
    const buffers = [chunk.subarray(0, 2), chunk.subarray(2, 5), chunk.subarray(5, 6), other, chunk.subarray(7, 9), chunk.subarray(9, 10)];
    coalesceAdjacent(buffers);
    expect(buffers.map((buffer) => buffer.toString())).toEqual(['abcdef', 'XY', 'hij']);
  });

  it('does not merge views with a gap between them, nor views out of order', () => {
    const chunk = Buffer.from('abcdef');
    const buffers = [chunk.subarray(0, 2), chunk.subarray(3, 6), chunk.subarray(0, 1)];
    coalesceAdjacent(buffers);
    expect(buffers.map((buffer) => buffer.toString())).toEqual(['ab', 'def', 'a']);
  });

  it('forwards exactly the bytes of the packets, whatever chunks they arrived in (seeded)', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const random = prng(seed);
      const stream = Buffer.concat(Array.from({ length: 1 + random.int(20) }, (_, i) => framePayload(random.bytes(random.int(300)), i & 0xff)));
      const offsets = [...new Set(Array.from({ length: random.int(6) }, () => random.int(stream.length)))].sort((a, b) => a - b);
      const reader = new PacketReader();
      const raws = splitAt(stream, offsets).flatMap((chunk) => reader.push(chunk).map((packet) => packet.raw));
      // An odd packet replaced now and then, as masking does.
      const out = raws.map((raw, i) => (i % 7 === 3 ? Buffer.from(raw) : raw));
      coalesceAdjacent(out);
      expect(Buffer.concat(out).equals(stream), `seed ${seed}`).toBe(true);
      expect(out.length).toBeLessThanOrEqual(raws.length);
    }
  });
});
