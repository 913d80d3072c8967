import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FramePump } from './frame-pump.js';

function deferred(): { promise: Promise<void | 'again'>; resolve: (value?: 'again') => void } {
  let resolve!: (value?: 'again') => void;
  const promise = new Promise<void | 'again'>((r) => (resolve = (value) => r(value)));
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FramePump', () => {
  it('handles frames in order, holds later ones while a handler waits, and can handle one again', async () => {
    const source = new PassThrough();
    const handled: string[] = [];
    const wait = deferred();
    let flushes = 0;
    const pump = new FramePump<string>(source, {
      handle: (frame) => {
        handled.push(frame);
        if (frame === 'b' && handled.filter((f) => f === 'b').length === 1) return wait.promise;
        return undefined;
      },
      flush: () => void flushes++,
      fail: (error) => {
        throw error;
      },
      ended: () => false,
    });
    pump.push(['a', 'b', 'c']);
    expect(handled).toEqual(['a', 'b']);
    expect(pump.waiting).toBe(true);
    expect(source.isPaused()).toBe(true);
    pump.push(['d']);
    expect(handled).toEqual(['a', 'b']);
    wait.resolve('again');
    await tick();
    expect(handled).toEqual(['a', 'b', 'b', 'c', 'd']);
    expect(source.isPaused()).toBe(false);
    expect(flushes).toBeGreaterThanOrEqual(2);
  });

  it('holds frames pushed after a wait its caller started until that wait settles', async () => {
    const source = new PassThrough();
    const handled: string[] = [];
    const wait = deferred();
    let flushes = 0;
    const pump = new FramePump<string>(source, {
      handle: (frame) => void handled.push(frame),
      flush: () => void flushes++,
      fail: (error) => {
        throw error;
      },
      ended: () => false,
    });
    pump.pushAfter(wait.promise as Promise<void>, ['a']);
    // What the caller queued before the wait is written now, not after it.
    expect(flushes).toBe(1);
    expect(pump.waiting).toBe(true);
    expect(source.isPaused()).toBe(true);
    pump.push(['b']);
    expect(handled).toEqual([]);
    wait.resolve();
    await tick();
    expect(handled).toEqual(['a', 'b']);
    expect(source.isPaused()).toBe(false);
  });

  it('resumes its source only when neither a wait nor a full target holds it', async () => {
    const source = new PassThrough();
    const target = new PassThrough();
    const wait = deferred();
    const pump = new FramePump<string>(source, {
      handle: () => wait.promise,
      flush: () => undefined,
      fail: (error) => {
        throw error;
      },
      ended: () => false,
    });
    pump.push(['held']);
    pump.holdUntilDrained(target);
    target.emit('drain'); // the target drained, but the handler still waits
    expect(source.isPaused()).toBe(true);
    pump.holdUntilDrained(target);
    wait.resolve();
    await tick(); // the wait ended, but the target is full again
    expect(source.isPaused()).toBe(true);
    target.emit('drain');
    expect(source.isPaused()).toBe(false);
  });

  it('reports a handler that throws, or a wait that rejects', async () => {
    const failures: unknown[] = [];
    const throwing = new FramePump<string>(new PassThrough(), {
      handle: () => {
        throw new Error('bad frame');
      },
      flush: () => undefined,
      fail: (error) => void failures.push(error),
      ended: () => false,
    });
    throwing.push(['x']);
    const rejecting = new FramePump<string>(new PassThrough(), {
      handle: () => Promise.reject(new Error('lookup failed')),
      flush: () => undefined,
      fail: (error) => void failures.push(error),
      ended: () => false,
    });
    rejecting.push(['y']);
    await tick();
    expect(failures.map((error) => (error as Error).message)).toEqual(['bad frame', 'lookup failed']);
  });
});
