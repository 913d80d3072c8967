import { describe, expect, it } from 'vitest';
import { AuditClosedError, AuditUnavailableError } from '../errors.js';
import { reloadEvent } from '../events/build-events.js';
import type { AuditEvent, DeferredEvent, ReloadEvent } from '../events/event-types.js';
import { MemoryStore } from '../test-support/memory-store.js';
import { AuditWriter } from './audit-writer.js';
import type { AuditWarning } from './audit-writer.js';

function event(i: number): AuditEvent {
  return reloadEvent({ what: 'config', outcome: 'applied', source: `n${i}` });
}

function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

describe('AuditWriter', () => {
  it('async: a full queue makes write() wait instead of dropping, and counts it', async () => {
    const store = new MemoryStore();
    const slow = gate();
    store.gate = slow.promise;
    const warnings: AuditWarning[] = [];
    const writer = new AuditWriter(store, { capacity: 5, maxBatch: 3, onWarning: (w) => warnings.push(w) });
    const settled: number[] = [];
    const writes = Array.from({ length: 20 }, (_, i) => writer.write(event(i), 'async').then(() => settled.push(i)));
    await tick();
    expect(settled).toEqual([0, 1, 2, 3, 4]);
    expect(writer.stats()).toMatchObject({ depth: 5, capacity: 5, waiting: 15, waits: 15, committed: 0, dropped: 0 });
    expect(warnings.filter((w) => w.kind === 'queue-full')).toHaveLength(1);
    slow.open();
    await Promise.all(writes);
    await writer.drain();
    expect(store.events.map((e) => (e as ReloadEvent).source)).toEqual(Array.from({ length: 20 }, (_, i) => `n${i}`));
    expect(writer.stats()).toMatchObject({ depth: 0, waiting: 0, committed: 20, dropped: 0 });
  });

  it('before-forward: resolves only after the commit, and concurrent writes share commits', async () => {
    const store = new MemoryStore();
    const slow = gate();
    store.gate = slow.promise;
    const writer = new AuditWriter(store);
    let done = false;
    const first = writer.write(event(0), 'before-forward').then(() => (done = true));
    await tick();
    expect(done).toBe(false);
    const rest = Array.from({ length: 49 }, (_, i) => writer.write(event(i + 1), 'before-forward'));
    slow.open();
    await Promise.all([first, ...rest]);
    expect(store.events).toHaveLength(50);
    // One commit for the first event, one for the 49 that arrived while it was running.
    expect(writer.stats().batches).toBe(2);
  });

  it('rejects before-forward writes when the store fails, and retries async ones', async () => {
    const store = new MemoryStore();
    store.failNext = 1;
    const warnings: AuditWarning[] = [];
    const writer = new AuditWriter(store, { retryDelayMs: 1, onWarning: (w) => warnings.push(w) });
    const durable = writer.write(event(0), 'before-forward');
    const later = writer.write(event(1), 'async');
    await expect(durable).rejects.toBeInstanceOf(AuditUnavailableError);
    await later;
    await writer.drain();
    expect(store.events.map((e) => (e as ReloadEvent).source)).toEqual(['n1']);
    expect(writer.stats()).toMatchObject({ storeFailures: 1, committed: 1 });
    // The first write flushes alone; the async one waits for the next batch and then succeeds.
    expect(warnings[0]).toMatchObject({ kind: 'store-failed', events: 1 });
  });

  it('builds a deferred event when its batch is taken, once, even when the batch is retried', async () => {
    const store = new MemoryStore();
    store.failNext = 1;
    const writer = new AuditWriter(store, { retryDelayMs: 1, lingerMs: 0 });
    let builds = 0;
    const deferred: DeferredEvent = {
      deferred: true,
      build: () => {
        builds++;
        return event(7);
      },
    };
    expect(writer.queue(deferred)).toBeUndefined();
    expect(builds).toBe(0);
    await writer.drain();
    expect(builds).toBe(1);
    expect(store.appendCalls).toBe(2);
    expect(store.events.map((e) => (e as ReloadEvent).source)).toEqual(['n7']);
  });

  it('async: lets a small batch wait a little for company, so a trickle shares one commit', async () => {
    const store = new MemoryStore();
    const writer = new AuditWriter(store, { lingerMs: 200 });
    // Four writers arriving a few ms apart, as four client sessions would.
    for (let i = 0; i < 4; i++) {
      await writer.write(event(i), 'async');
      await tick();
    }
    await writer.drain();
    expect(store.events).toHaveLength(4);
    expect(writer.stats().batches).toBe(1);
  });

  it('a before-forward write ends the wait at once (its statement is waiting for it)', async () => {
    const store = new MemoryStore();
    const writer = new AuditWriter(store, { lingerMs: 10_000 });
    void writer.write(event(0), 'async');
    const started = Date.now();
    await writer.write(event(1), 'before-forward');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(store.events).toHaveLength(2);
    expect(writer.stats().batches).toBe(1);
  });

  it('queue(): an async write with room gives nothing to await; a full queue gives the wait; closed rejects', async () => {
    const store = new MemoryStore();
    const slow = gate();
    store.gate = slow.promise;
    const writer = new AuditWriter(store, { capacity: 2, maxBatch: 1, lingerMs: 0 });
    expect(writer.queue(event(0))).toBeUndefined();
    expect(writer.queue(event(1))).toBeUndefined();
    const waiting = writer.queue(event(2));
    expect(waiting).toBeInstanceOf(Promise);
    expect(writer.stats()).toMatchObject({ waiting: 1, waits: 1 });
    slow.open();
    await waiting;
    await writer.close();
    expect(store.events.map((e) => (e as ReloadEvent).source)).toEqual(['n0', 'n1', 'n2']);
    await expect(writer.queue(event(3))).rejects.toBeInstanceOf(AuditClosedError);
  });
});
