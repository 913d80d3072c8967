import { Worker } from 'node:worker_threads';
import type { PgliteDriverOptions } from '../pglite-driver.js';
import type { AuditEvent, SealedAuditEvent } from '../../events/event-types.js';
import type { AuditAppendingDriver, AuditAppendSettings, SqlQueryable } from '../sql-driver.js';
import type { AppendReceipt, WorkerError, WorkerReady, WorkerReply, WorkerRequest } from './pglite-worker-protocol.js';
import { PartSender } from './shared-parts.js';

/** A failure inside the worker (SQL error, I/O error), with its SQLSTATE or code when it had one. */
export class PgliteWorkerError extends Error {
  readonly code: string | undefined;
  constructor(error: WorkerError) {
    super(error.message);
    this.name = error.name;
    this.code = error.code;
  }
}

type RequestBody = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * The embedded store in a worker thread: its segment log (where audit appends go) and the PGlite
 * database that indexes the log for search. PostgreSQL-in-WASM is CPU-heavy and fsync blocks: on
 * the gateway's thread that work would compete with every client session. Same SqlDriver contract
 * as PgliteDriver; a transaction holds the database (PGlite's lock) until it ends, as it does
 * in-process, and every query or transaction first brings the index up to date with the log.
 * An audit append is one message: the worker encodes each event's canonical text, seals the batch
 * (seq, hashes), writes it and fsyncs when due.
 */
export class PgliteWorkerDriver implements AuditAppendingDriver {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 1;
  #nextTx = 1;
  #closed: Promise<void> | undefined;
  #settingsSent: AuditAppendSettings | undefined;
  readonly #parts = new PartSender();

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (reply: WorkerReply) => {
      const waiter = this.#pending.get(reply.id);
      if (!waiter) return;
      this.#pending.delete(reply.id);
      if ('error' in reply) waiter.reject(new PgliteWorkerError(reply.error));
      else waiter.resolve(reply.value);
    });
    const failAll = (error: Error): void => {
      for (const waiter of this.#pending.values()) waiter.reject(error);
      this.#pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the embedded audit database's worker thread exited (${code})`)));
  }

  static async open(options: PgliteDriverOptions): Promise<PgliteWorkerDriver> {
    const worker = startWorker({ ...options });
    const ready = await new Promise<WorkerReady>((resolve, reject) => {
      worker.once('message', (message: WorkerReady) => resolve(message));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the embedded audit database's worker thread exited (${code}) before it was ready`)));
    });
    if (!ready.ready) {
      await worker.terminate();
      throw new PgliteWorkerError(ready.error);
    }
    worker.removeAllListeners('error');
    worker.removeAllListeners('exit');
    return new PgliteWorkerDriver(worker);
  }

  query<R extends object>(text: string, params?: readonly unknown[]): Promise<readonly R[]> {
    return this.#call({ op: 'query', text, ...(params ? { params: [...params] } : {}) }) as Promise<readonly R[]>;
  }

  async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    const tx = this.#nextTx++;
    await this.#call({ op: 'begin', tx });
    let result: T;
    try {
      result = await fn({
        query: <R extends object>(text: string, params?: readonly unknown[]) =>
          this.#call({ op: 'tx-query', tx, text, ...(params ? { params: [...params] } : {}) }) as Promise<readonly R[]>,
      });
    } catch (error) {
      await this.#call({ op: 'end', tx, commit: false }).catch(() => undefined);
      throw error;
    }
    await this.#call({ op: 'end', tx, commit: true });
    return result;
  }

  async appendAudit(settings: AuditAppendSettings, events: readonly AuditEvent[], _now: Date, sealed: boolean, sync: boolean): Promise<readonly SealedAuditEvent[]> {
    // Settings (a key among them) cross to the worker once, not with every batch.
    const fresh = settings !== this.#settingsSent;
    this.#settingsSent = settings;
    // The events go as objects (a structured clone costs this thread a fraction of encoding them),
    // their shared parts only the first time.
    const wire = this.#parts.wire(events);
    let receipt: AppendReceipt | undefined;
    try {
      receipt = (await this.#call(fresh ? { op: 'append-audit', wire, sealed, sync, settings } : { op: 'append-audit', wire, sealed, sync })) as AppendReceipt | undefined;
    } catch (error) {
      this.#settingsSent = undefined;
      this.#parts.forget();
      throw error;
    }
    // Unsealed: the worker answers with nothing (nobody reads where the events landed).
    if (!sealed || receipt === undefined) return [];
    // The exact text the worker hashed, parsed: what any store's append returns.
    let prevHash = receipt.prevHash;
    return receipt.bodies.map((body, i) => {
      const hash = receipt.hashes[i]!;
      const event = { ...(JSON.parse(body) as AuditEvent), seq: receipt.firstSeq + i, prevHash, hash };
      prevHash = hash;
      return event;
    });
  }

  async afterCommit(): Promise<void> {
    await this.#call({ op: 'after-commit' });
  }

  close(): Promise<void> {
    this.#closed ??= this.#call({ op: 'close' })
      .catch(() => undefined)
      .then(() => this.#worker.terminate())
      .then(() => undefined);
    return this.#closed;
  }

  #call(body: RequestBody): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ ...body, id } as WorkerRequest);
    });
  }
}

/**
 * Built: the compiled entry. From TypeScript sources (tests, `tsx`), a worker does not inherit
 * the parent's loader hooks, so it registers tsx itself before importing the entry.
 */
function startWorker(workerData: PgliteDriverOptions): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./pglite-worker-main.js', import.meta.url), { workerData });
  const entry = new URL('./pglite-worker-main.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
