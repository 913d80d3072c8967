import { describe, expect, it } from 'vitest';
import { BackendReader } from '../protocol/backend-reader.js';
import { encodeCommandComplete } from '../protocol/messages/query.js';
import { encodeReadyForQuery } from '../protocol/messages/session.js';
import { coalesceOutgoing } from './outgoing.js';

describe('coalesceOutgoing', () => {
  it('writes frames that arrived back to back as one buffer, with made messages in between kept in order', () => {
    const chunk = Buffer.concat([encodeCommandComplete('SELECT 1'), encodeCommandComplete('SELECT 2'), encodeReadyForQuery('I')]);
    const [first, second, ready] = new BackendReader().push(chunk);
    const made = encodeCommandComplete('SELECT 9');
    const merged = coalesceOutgoing([first!, second!, made, ready!]);
    expect(merged).toHaveLength(3);
    expect(Buffer.concat(merged)).toEqual(Buffer.concat([chunk.subarray(0, first!.raw.length + second!.raw.length), made, ready!.raw]));
    // A run of one made message is that very buffer.
    expect(merged[1]).toBe(made);
    expect(Buffer.concat(coalesceOutgoing([first!, second!, ready!]))).toEqual(chunk);
    expect(coalesceOutgoing([first!, second!, ready!])).toHaveLength(1);
    // Every message of the chunk, unchanged and in order: the chunk itself goes out, not a copy or a view.
    expect(coalesceOutgoing([first!, second!, ready!])[0]).toBe(chunk);
    expect(coalesceOutgoing([first!, second!])[0]).not.toBe(chunk);
  });

  it('keeps frames out of order apart, and merges plain adjacent views too', () => {
    const chunk = Buffer.concat([encodeCommandComplete('A'), encodeCommandComplete('B')]);
    const [a, b] = new BackendReader().push(chunk);
    expect(Buffer.concat(coalesceOutgoing([b!, a!]))).toEqual(Buffer.concat([b!.raw, a!.raw]));
    expect(coalesceOutgoing([b!, a!])).toHaveLength(2);
    expect(coalesceOutgoing([chunk.subarray(0, 4), chunk.subarray(4)])).toHaveLength(1);
    expect(coalesceOutgoing([])).toEqual([]);
  });
});
