import { Worker } from 'node:worker_threads';
import type { PgliteDriverOptions } from '../pglite-driver.js';
import type { AuditEvent, SealedAuditEvent } from '../../events/event-types.js';
import type { AuditAppendingDriver, AuditAppendSettings, SqlQueryable } from '../sql-driver.js';
import type { WorkerError, WorkerReady, WorkerReply, WorkerRequest } from './pglite-worker-protocol.js';

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
 * The embedded store's PGlite in a worker thread. PostgreSQL-in-WASM is CPU-heavy (most of an
 * audit event's cost: index updates, WAL, its own protocol) and fsync blocks: on the gateway's
 * thread that work competes with every client session. In a worker it runs on another core, and
 * the gateway's thread only posts messages. Same SqlDriver contract as PgliteDriver; a
 * transaction holds the database (PGlite's lock) until it ends, as it does in-process. An audit
 * append runs entirely in the worker (appendAudit): sealing, inserts, commit and fsync in one
 * message, where a transaction from this side would cost a round trip per statement.
 */
export class PgliteWorkerDriver implements AuditAppendingDriver {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 1;
  #nextTx = 1;
  #closed: Promise<void> | undefined;

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

  appendAudit(settings: AuditAppendSettings, events: readonly AuditEvent[], now: Date, sealed: boolean, sync: boolean): Promise<readonly SealedAuditEvent[]> {
    return this.#call({ op: 'append-audit', settings, events, now, sealed, sync }) as Promise<readonly SealedAuditEvent[]>;
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
