import type { LogRecord } from './log-format.js';
import type { ChainHead } from './segment-log.js';

/** Where the records come from: the segment log. */
export interface FeederSource {
  readonly head: ChainHead;
  read(after: number, max: number): LogRecord[];
}

export interface IndexFeederOptions {
  readonly source: FeederSource;
  /** The last seq the index holds when the feeder starts. */
  readonly indexedSeq: number;
  /** Writes records (in order, continuing the index's chain) into the search index, in one transaction. */
  readonly ingest: (records: readonly LogRecord[]) => Promise<void>;
  /** After a run of ingests up to `seq`: make the index durable. */
  readonly ingested: (seq: number) => Promise<void>;
  /** Feed once appends paused this long (default 200 ms). */
  readonly idleMs?: number;
  /**
   * …or once this many records wait, whatever the append rate (default 250,000): bounds how long
   * a reader may wait for the index to catch up.
   */
  readonly backlog?: number;
  /** Records per index transaction (default 5,000). */
  readonly chunk?: number;
}

/**
 * Keeps the search index (PGlite) behind the segment log, off the append path: records go in, read
 * back from the log in large batches, when appends pause, when too many wait, or when a reader
 * needs the index complete (catchUp: before every search, read, verify, prune or checkpoint).
 */
export class IndexFeeder {
  readonly #options: Required<Omit<IndexFeederOptions, 'indexedSeq'>>;
  #indexed: number;
  #running: Promise<void> | undefined;
  #lastAppend = Date.now();
  readonly #timer: ReturnType<typeof setInterval>;
  #stopped = false;

  constructor(options: IndexFeederOptions) {
    this.#options = { idleMs: 200, backlog: 250_000, chunk: 5_000, ...options };
    this.#indexed = options.indexedSeq;
    this.#timer = setInterval(() => {
      if (this.backlog > 0 && Date.now() - this.#lastAppend >= this.#options.idleMs) this.#background();
    }, this.#options.idleMs);
    this.#timer.unref();
  }

  /** Records the log holds that the index does not. */
  get backlog(): number {
    return this.#options.source.head.seq - this.#indexed;
  }

  /** The log grew. */
  appended(): void {
    this.#lastAppend = Date.now();
    if (this.backlog >= this.#options.backlog) this.#background();
  }

  /** Resolves once the index holds every record appended before the call; rejects with the index's error. */
  async catchUp(): Promise<void> {
    const target = this.#options.source.head.seq;
    for (;;) {
      await this.#running?.catch(() => undefined);
      if (this.#indexed >= target) return;
      await this.#start();
    }
  }

  /** Stops feeding (the log keeps what is left; the next open feeds it). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  #background(): void {
    if (this.#running || this.#stopped) return;
    // A failure is retried by the next trigger, and surfaces to the next reader through catchUp.
    this.#start().catch(() => undefined);
  }

  #start(): Promise<void> {
    const run = this.#run();
    this.#running = run;
    const done = (): void => {
      if (this.#running === run) this.#running = undefined;
    };
    run.then(done, done);
    return run;
  }

  /** Feeds what the log holds now (what arrives meanwhile is the next run's), then makes it durable. */
  async #run(): Promise<void> {
    await Promise.resolve();
    const target = this.#options.source.head.seq;
    const from = this.#indexed;
    while (this.#indexed < target) {
      const records = this.#options.source.read(this.#indexed, Math.min(this.#options.chunk, target - this.#indexed));
      await this.#options.ingest(records);
      this.#indexed = records.at(-1)!.seq;
    }
    if (this.#indexed > from) await this.#options.ingested(this.#indexed);
  }
}
