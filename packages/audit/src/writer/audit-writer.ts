import { AuditClosedError, AuditUnavailableError } from '../errors.js';
import type { AuditEvent, DeferredEvent, SealedAuditEvent } from '../events/event-types.js';
import type { AuditStore } from '../store/audit-store.js';

export const DURABILITIES = ['before-forward', 'async'] as const;
/**
 * before-forward: write() resolves once the event is committed (group commit + fsync), so the
 * gateway forwards a statement only after its record is durable.
 * async: write() resolves once the event is queued; a full queue makes write() wait.
 */
export type Durability = (typeof DURABILITIES)[number];

/** Something that also wants each committed event, in order (the JSONL sink). */
export interface AuditForwarder {
  write(events: readonly SealedAuditEvent[]): Promise<void>;
  close(): Promise<void>;
}

export interface AuditWriterOptions {
  /** Events queued or in flight before write() waits (default 10,000). */
  readonly capacity?: number;
  /** Events per store transaction (default 500). */
  readonly maxBatch?: number;
  readonly forwarders?: readonly AuditForwarder[];
  /** Store or forwarder failures and queue-full episodes, for the gateway's log. */
  readonly onWarning?: (warning: AuditWarning) => void;
  /** First retry delay after a failed async batch (default 50 ms, doubling to 2 s). */
  readonly retryDelayMs?: number;
  /**
   * How long a batch of only `async` events may wait to grow before it is committed (default
   * 25 ms). A commit has a fixed cost (a transaction, a WAL fsync; for the embedded store, a
   * wake-up of its worker thread) that small batches pay per event: at 10 ms the worker spent
   * about 1–2 µs more per event under pgbench. Async events were never promised to be durable
   * before anything, so they wait for company. A `before-forward` event ends the wait at once.
   */
  readonly lingerMs?: number;
}

export type AuditWarning =
  | { readonly kind: 'store-failed'; readonly error: unknown; readonly events: number }
  | { readonly kind: 'forwarder-failed'; readonly error: unknown }
  | { readonly kind: 'queue-full'; readonly capacity: number };

/** Numbers for metrics (gauges and counters); cheap to read on every scrape. */
export interface AuditWriterStats {
  /** Events queued or being committed right now. */
  readonly depth: number;
  readonly capacity: number;
  /** Writers waiting for room right now. */
  readonly waiting: number;
  /** Total writes that had to wait for room (back-pressure episodes). */
  readonly waits: number;
  readonly committed: number;
  readonly batches: number;
  readonly storeFailures: number;
  readonly forwarderFailures: number;
  /** Always 0: the writer never drops; exposed so a dashboard can assert it. */
  readonly dropped: number;
}

interface Entry {
  /** A deferred event is replaced by what it built when its batch is taken (a retry reuses that). */
  event: AuditEvent | DeferredEvent;
  readonly durable: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * A single-flusher queue in front of a store. While one transaction commits, new events pile up
 * and go in the next one: group commit, so before-forward costs one commit per batch, not per
 * statement. One flusher per process also keeps this process's events in write() order.
 */
export class AuditWriter {
  readonly #store: AuditStore;
  readonly #capacity: number;
  readonly #maxBatch: number;
  readonly #forwarders: readonly AuditForwarder[];
  readonly #onWarning: (warning: AuditWarning) => void;
  readonly #retryDelayMs: number;
  readonly #lingerMs: number;
  /** Ends a linger early (a durable write arrived, or the batch is full). */
  #stopLingering: (() => void) | undefined;
  readonly #queue: Entry[] = [];
  readonly #roomWaiters: (() => void)[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  #inFlight = 0;
  /** Slots handed to woken waiters that have not pushed yet, so newcomers cannot take them. */
  #reserved = 0;
  #flushing = false;
  #closed = false;
  #waits = 0;
  #committed = 0;
  #batches = 0;
  #storeFailures = 0;
  #forwarderFailures = 0;

  constructor(store: AuditStore, options: AuditWriterOptions = {}) {
    this.#store = store;
    this.#capacity = Math.max(1, options.capacity ?? 10_000);
    this.#maxBatch = Math.max(1, options.maxBatch ?? 500);
    this.#forwarders = options.forwarders ?? [];
    this.#onWarning = options.onWarning ?? (() => undefined);
    this.#retryDelayMs = options.retryDelayMs ?? 50;
    this.#lingerMs = Math.max(0, options.lingerMs ?? 25);
  }

  write(event: AuditEvent | DeferredEvent, durability: Durability): Promise<void> {
    if (this.#closed) return Promise.reject(new AuditClosedError());
    // Waiters go first, so a steady stream of new writes cannot starve one that already waited.
    if (this.#noRoom()) return this.#writeWhenRoom(event, durability);
    return this.#enqueue(event, durability);
  }

  /**
   * An `async` write for a caller on the per-statement path: undefined when the event is queued
   * at once (the usual case: no promise, nothing to await, so the statement goes on in this same
   * turn), else the promise of its place in the queue (a full queue: back-pressure) or the
   * rejection of a closed writer. A DeferredEvent is built when its batch is taken, in a later turn.
   */
  queue(event: AuditEvent | DeferredEvent): Promise<void> | undefined {
    if (this.#closed) return Promise.reject(new AuditClosedError());
    if (this.#noRoom()) return this.#writeWhenRoom(event, 'async');
    this.#enqueue(event, 'async');
    return undefined;
  }

  /** A write now would wait: the queue is full, or earlier writes already wait (they go first, so none starves). */
  #noRoom(): boolean {
    return this.#depth() >= this.#capacity || this.#roomWaiters.length > 0;
  }

  async #writeWhenRoom(event: AuditEvent | DeferredEvent, durability: Durability): Promise<void> {
    this.#waits++;
    if (this.#roomWaiters.length === 0) this.#onWarning({ kind: 'queue-full', capacity: this.#capacity });
    await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
    this.#reserved--;
    if (this.#closed) throw new AuditClosedError();
    return this.#enqueue(event, durability);
  }

  /**
   * The per-statement path, kept free of allocations it does not need: an async event gets no
   * promise of its own (nobody waits for its commit; a failed batch re-queues it), only the
   * shared resolved one.
   */
  #enqueue(event: AuditEvent | DeferredEvent, durability: Durability): Promise<void> {
    let committed: Promise<void> = RESOLVED;
    if (durability === 'before-forward') {
      committed = new Promise<void>((resolve, reject) => this.#queue.push({ event, durable: true, resolve, reject }));
      this.#stopLingering?.();
    } else {
      this.#queue.push({ event, durable: false, resolve: ignore, reject: ignore });
      if (this.#queue.length >= this.#maxBatch) this.#stopLingering?.();
    }
    if (!this.#flushing) void this.#flush();
    return committed;
  }

  /**
   * True when a write now would wait for room, or fail (closed): the caller should not hold
   * events back then, but write at once and let the wait or the failure reach its statement.
   */
  congested(): boolean {
    return this.#closed || this.#noRoom();
  }

  stats(): AuditWriterStats {
    return {
      depth: this.#depth(),
      capacity: this.#capacity,
      waiting: this.#roomWaiters.length,
      waits: this.#waits,
      committed: this.#committed,
      batches: this.#batches,
      storeFailures: this.#storeFailures,
      forwarderFailures: this.#forwarderFailures,
      dropped: 0,
    };
  }

  /** Resolves when everything written so far is committed. */
  async drain(): Promise<void> {
    if (this.#depth() === 0 && this.#roomWaiters.length === 0) return;
    // Someone is waiting for the queue to empty: no reason to wait for a batch to grow.
    this.#stopLingering?.();
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drains, then closes forwarders and the store. */
  async close(): Promise<void> {
    await this.drain();
    this.#closed = true;
    for (const forwarder of this.#forwarders) await forwarder.close().catch((error: unknown) => this.#onWarning({ kind: 'forwarder-failed', error }));
    await this.#store.close();
  }

  #depth(): number {
    return this.#queue.length + this.#inFlight + this.#reserved;
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    let failures = 0;
    try {
      while (this.#queue.length > 0) {
        // Only awaited when there is a wait: a durable batch starts in this very turn.
        const lingering = this.#linger();
        if (lingering) await lingering;
        const batch = this.#queue.splice(0, this.#maxBatch);
        this.#inFlight = batch.length;
        let sealed: readonly SealedAuditEvent[];
        try {
          sealed = await this.#store.append(
            built(batch),
            // A batch with a before-forward event is synced before it resolves; async-only ones may wait (bounded).
            { sealed: this.#forwarders.length > 0, sync: batch.some((entry) => entry.durable) },
          );
        } catch (error) {
          this.#inFlight = 0;
          this.#storeFailures++;
          failures++;
          this.#onWarning({ kind: 'store-failed', error, events: batch.length });
          // The gateway refuses a before-forward statement whose record failed: reject those.
          // Async events were promised a place in the trail: back to the front, retried.
          const failure = new AuditUnavailableError('the audit store did not commit the record; the statement must not be forwarded', error);
          for (const entry of batch) if (entry.durable) entry.reject(failure);
          this.#queue.unshift(...batch.filter((entry) => !entry.durable));
          this.#wakeRoom(batch.filter((entry) => entry.durable).length);
          await delay(Math.min(2_000, this.#retryDelayMs * 2 ** Math.min(failures - 1, 6)));
          continue;
        }
        failures = 0;
        this.#batches++;
        this.#committed += batch.length;
        for (const entry of batch) entry.resolve();
        this.#inFlight = 0;
        this.#wakeRoom(batch.length);
        await this.#forward(sealed);
      }
    } finally {
      this.#flushing = false;
      if (this.#queue.length === 0 && this.#roomWaiters.length === 0) for (const idle of this.#idleWaiters.splice(0)) idle();
      else if (this.#queue.length > 0) void this.#flush();
    }
  }

  /**
   * Undefined (go now) when a durable event waits or the writer is closing; else a wait: up to
   * lingerMs while the queue holds a partial batch of async events, or at least until the next
   * turn, so async events (deferred ones are built here) never cost the turn that queued them.
   */
  #linger(): Promise<void> | undefined {
    if (this.#closed || this.#queue.some((entry) => entry.durable)) return undefined;
    if (this.#lingerMs === 0 || this.#queue.length >= this.#maxBatch) return new Promise<void>((resolve) => setImmediate(resolve));
    return new Promise<void>((resolve) => {
      const stop = (): void => {
        clearTimeout(timer);
        if (this.#stopLingering === stop) this.#stopLingering = undefined;
        resolve();
      };
      const timer = setTimeout(stop, this.#lingerMs);
      this.#stopLingering = stop;
    });
  }

  #wakeRoom(freed: number): void {
    for (let i = 0; i < freed && this.#roomWaiters.length > 0; i++) {
      this.#reserved++;
      this.#roomWaiters.shift()!();
    }
  }

  async #forward(sealed: readonly SealedAuditEvent[]): Promise<void> {
    for (const forwarder of this.#forwarders) {
      try {
        await forwarder.write(sealed);
      } catch (error) {
        this.#forwarderFailures++;
        this.#onWarning({ kind: 'forwarder-failed', error });
      }
    }
  }
}

const RESOLVED: Promise<void> = Promise.resolve();

/** The batch's events, deferred ones built now (in place, so a retried batch is not built again). */
function built(batch: readonly Entry[]): AuditEvent[] {
  const events = new Array<AuditEvent>(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const entry = batch[i]!;
    const event = entry.event;
    events[i] = 'deferred' in event ? (entry.event = event.build()) : event;
  }
  return events;
}

function ignore(): void {
  // An async event's commit has no waiter.
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
