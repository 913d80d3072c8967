import type { Duplex } from 'node:stream';

/**
 * What a handler asks of the pump: nothing (handled), or a promise to wait for — after which the
 * next frame is handled, or the same one again when the promise resolves to 'again'.
 */
export type HandlerResult = Promise<void | 'again'> | undefined;

export interface FramePumpCallbacks<Frame> {
  handle(frame: Frame): HandlerResult;
  /** Before a wait, and when the queue is empty: write what the handled frames produced. */
  flush(): void;
  /** The queue ran empty (not called when stopping to wait). */
  drained?(): void;
  fail(error: unknown): void;
  ended(): boolean;
}

/** The queue while idle: never pushed to (frames are queued only while a handler waits, on a real queue). */
const NO_FRAMES: never[] = [];

/**
 * One direction of a relay: frames handled strictly in order. The source socket is paused for two
 * independent reasons — a handler is waiting (a gate, a catalog lookup) or the other side's socket
 * is full — and resumed only when neither holds, so one reason ending never lifts the other.
 */
export class FramePump<Frame> {
  readonly #source: Duplex;
  readonly #callbacks: FramePumpCallbacks<Frame>;
  /** Frames not yet handled, from #index on: the reader's own array when the pump was idle. */
  #queue: Frame[] = NO_FRAMES;
  #index = 0;
  #waiting = false;
  #blocked = false;

  constructor(source: Duplex, callbacks: FramePumpCallbacks<Frame>) {
    this.#source = source;
    this.#callbacks = callbacks;
  }

  /** A handler is waiting: later frames stay queued. */
  get waiting(): boolean {
    return this.#waiting;
  }

  /** Takes ownership of `frames` (the reader hands out a fresh array per chunk). */
  push(frames: Frame[]): void {
    if (this.#waiting) {
      for (const frame of frames) this.#queue.push(frame);
      return;
    }
    // Idle, so nothing is queued (run() always empties the queue unless it stops to wait).
    this.#queue = frames;
    this.#index = 0;
    this.run();
  }

  /**
   * Like push, once `wait` settles: the caller handled a frame itself that must be waited for (a
   * gate deciding), and `frames` follow it. Called only while idle, as push is.
   */
  pushAfter(wait: Promise<void>, frames: Frame[]): void {
    this.#queue = frames;
    this.#index = 0;
    this.#await(wait);
  }

  run(): void {
    if (this.#waiting) return;
    const queue = this.#queue;
    const callbacks = this.#callbacks;
    try {
      while (this.#index < queue.length && !callbacks.ended()) {
        const frame = queue[this.#index++]!;
        const wait = callbacks.handle(frame);
        if (wait) {
          this.#await(wait);
          return;
        }
      }
    } catch (error) {
      callbacks.fail(error);
      return;
    }
    // Dropped, not emptied in place (cheaper; the next push brings its own array).
    this.#queue = NO_FRAMES;
    this.#index = 0;
    callbacks.flush();
    callbacks.drained?.();
  }

  /** Holds the queue (and the source) until `wait` settles; the frame before is handled again on 'again'. */
  #await(wait: Promise<void | 'again'>): void {
    const callbacks = this.#callbacks;
    this.#waiting = true;
    this.#update();
    callbacks.flush();
    wait.then(
      (again) => {
        if (again === 'again') this.#index--;
        this.#waiting = false;
        this.#update();
        this.run();
      },
      (error: unknown) => callbacks.fail(error),
    );
  }

  /** The other side could not take more: hold the source until `target` drains. */
  holdUntilDrained(target: Duplex): void {
    if (this.#blocked) return;
    this.#blocked = true;
    this.#update();
    target.once('drain', () => {
      this.#blocked = false;
      this.#update();
    });
  }

  #update(): void {
    if (this.#waiting || this.#blocked) this.#source.pause();
    else this.#source.resume();
  }
}
