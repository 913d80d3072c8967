import { describe, expect, it } from 'vitest';
import { OperationRegistry } from './operation-registry.js';
import type { InterruptibleSession } from './operation-registry.js';

/** A connection that records which logical sessions it was told to interrupt. */
function connection(): InterruptibleSession & { interrupted: string[] } {
  const interrupted: string[] = [];
  return { interrupted, interruptOperations: (lsid) => interrupted.push(lsid) };
}

describe('the logical-session registry', () => {
  it('gives an lsid to the first principal that uses it and refuses it to others', () => {
    const registry = new OperationRegistry();
    expect(registry.claim('a1', 'alice')).toBe(true);
    expect(registry.claim('a1', 'alice')).toBe(true);
    expect(registry.claim('a1', 'mallory')).toBe(false);
  });

  it('interrupts every connection with a command of the lsid in flight, once, and only for its owner', () => {
    const registry = new OperationRegistry();
    const [one, two, three] = [connection(), connection(), connection()];
    registry.claim('a1', 'alice');
    registry.started('a1', one);
    registry.started('a1', one);
    registry.started('a1', two);
    registry.started('a1', three);
    registry.finished('a1', three);
    expect(registry.interrupt('a1', 'mallory')).toBe(0);
    expect(registry.interrupt('a1', 'alice')).toBe(2);
    expect([one.interrupted, two.interrupted, three.interrupted]).toEqual([['a1'], ['a1'], []]);
    expect(registry.interrupt('a1', 'alice')).toBe(0);
  });

  it('counts each connection\'s commands until the last one finishes', () => {
    const registry = new OperationRegistry();
    const [one, two] = [connection(), connection()];
    registry.claim('a1', 'alice');
    registry.started('a1', one);
    registry.started('a1', two);
    registry.started('a1', two);
    registry.finished('a1', one);
    registry.finished('a1', two);
    expect(registry.interrupt('a1', 'alice')).toBe(1);
    expect(two.interrupted).toEqual(['a1']);
    registry.started('a1', one);
    registry.finished('a1', one);
    registry.finished('a1', one); // a stray second finish changes nothing
    expect(registry.interrupt('a1', 'alice')).toBe(0);
  });

  it('forgets an idle lsid after its idle time, but never one with a command in flight', () => {
    let now = 0;
    const registry = new OperationRegistry({ idleMs: 10, now: () => now });
    const busy = connection();
    registry.claim('idle', 'alice');
    registry.claim('busy', 'alice');
    registry.started('busy', busy);
    now = 100;
    expect(registry.claim('idle', 'mallory')).toBe(true);
    expect(registry.claim('busy', 'mallory')).toBe(false);
  });

  it('evicts only logical sessions with nothing in flight when full', () => {
    const registry = new OperationRegistry({ maxSessions: 2 });
    const busy = connection();
    registry.claim('first', 'alice');
    registry.started('first', busy);
    registry.claim('second', 'alice');
    registry.claim('third', 'alice');
    expect(registry.size).toBe(2);
    expect(registry.claim('first', 'mallory')).toBe(false);
    expect(registry.claim('second', 'mallory')).toBe(true);
  });
});
