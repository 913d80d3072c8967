import { deserialize, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { limitBatch, stricterLimit, withNotice } from './row-limit.js';

describe('the row limit on a cursor', () => {
  it('passes batches under the limit and cuts the one that crosses it', () => {
    expect(limitBatch(undefined, 0, 500, 7n)).toBeUndefined();
    expect(limitBatch(1000, 0, 101, 7n)).toBeUndefined();
    expect(limitBatch(1000, 0, 1000, 0n)).toBeUndefined();
    expect(limitBatch(1000, 0, 5000, 7n)).toEqual({ keep: 1000, end: true });
    expect(limitBatch(1000, 909, 500, 7n)).toEqual({ keep: 91, end: true });
    expect(limitBatch(1000, 909, 500, 0n)).toEqual({ keep: 91, end: true });
  });

  it('ends an open cursor that reached the limit exactly, so no getMore can read past it', () => {
    expect(limitBatch(1000, 900, 100, 7n)).toEqual({ keep: 100, end: true });
    expect(limitBatch(1000, 1000, 3, 7n)).toEqual({ keep: 0, end: true });
  });

  it('keeps the stricter of two limits', () => {
    expect(stricterLimit(undefined, 5)).toBe(5);
    expect(stricterLimit(7, undefined)).toBe(7);
    expect(stricterLimit(7, 5)).toBe(5);
  });

  it('adds the notice as a top-level field of a reply given in pieces', () => {
    const body = Buffer.from(serialize({ ok: 1, cursor: { id: 0 } }));
    const parts = [body.subarray(0, 4), body.subarray(4, body.length - 1), body.subarray(body.length - 1)];
    const joined = Buffer.concat(withNotice(parts, 'cut'));
    expect(deserialize(joined)).toEqual({ ok: 1, cursor: { id: 0 }, gatehouseNotice: 'cut' });
  });
});
