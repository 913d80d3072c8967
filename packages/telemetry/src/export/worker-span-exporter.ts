import { Worker } from 'node:worker_threads';
import type { Attributes } from '@opentelemetry/api';
import { diag } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpSettings } from '../telemetry-config.js';
import { SpanRecordWriter } from './span-records.js';
import type { SpanExportReply, SpanExportRequest, SpanExportWorkerData } from './worker-protocol.js';

/** After the worker died, exports fail (and are dropped) this long before a new worker is tried. */
const RESTART_PAUSE_MS = 10_000;

type RequestBody = SpanExportRequest extends infer R ? (R extends { readonly id: number } ? Omit<R, 'id'> : never) : never;

/**
 * A span exporter whose OTLP encoding and sending run in a worker thread. At 100% sampling the
 * SDK's exporters encode every span on the thread that relays statements (about 8 µs a span for
 * protobuf, all of it latency for the statements waiting behind a batch); here that thread only
 * copies the span's data into a message (about 2 µs) and the worker does the rest with the same
 * SDK exporter the settings name.
 *
 * A worker that dies fails what was in flight; exports then fail for RESTART_PAUSE_MS (the batch
 * processor drops those spans, as it would for an unreachable collector) and the next export
 * starts a new worker. The worker does not keep the process alive on its own.
 */
export class WorkerSpanExporter implements SpanExporter {
  readonly #data: SpanExportWorkerData;
  readonly #records = new SpanRecordWriter();
  #worker: Worker | undefined;
  #restartAt = 0;
  #nextId = 1;
  readonly #pending = new Map<number, (reply: SpanExportReply) => void>();
  #shutdown: Promise<void> | undefined;

  constructor(settings: OtlpSettings, resourceAttributes: Attributes) {
    this.#data = { settings, resourceAttributes };
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('the span exporter was shut down') });
      return;
    }
    let records;
    try {
      records = spans.map((span) => this.#records.write(span));
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error('spans could not be prepared for export') });
      return;
    }
    void this.#call({ type: 'export', spans: records }).then((reply) =>
      resultCallback(reply.ok ? { code: ExportResultCode.SUCCESS } : { code: ExportResultCode.FAILED, error: new Error(reply.error ?? 'span export failed') }),
    );
  }

  async forceFlush(): Promise<void> {
    if (!this.#worker) return;
    await this.#call({ type: 'flush' });
  }

  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      const worker = this.#worker;
      if (!worker) return;
      await this.#call({ type: 'shutdown' });
      this.#worker = undefined;
      await worker.terminate();
    })();
    return this.#shutdown;
  }

  /** Sends a request; the answer, or a failure when there is no worker or it dies first. */
  #call(body: RequestBody): Promise<SpanExportReply> {
    const id = this.#nextId++;
    const worker = this.#running();
    if (!worker) return Promise.resolve({ id, ok: false, error: 'the span export worker is restarting' });
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      // Answers still to come keep the process alive (a final flush at exit must arrive); an idle worker does not.
      if (this.#pending.size === 1) worker.ref();
      try {
        worker.postMessage({ ...body, id } as SpanExportRequest);
      } catch (error) {
        this.#pending.delete(id);
        if (this.#pending.size === 0) worker.unref();
        resolve({ id, ok: false, error: error instanceof Error ? error.message : 'spans could not be sent to the export worker' });
      }
    });
  }

  #running(): Worker | undefined {
    if (this.#worker) return this.#worker;
    if (Date.now() < this.#restartAt) return undefined;
    const worker = startWorker(this.#data);
    worker.unref();
    worker.on('message', (reply: SpanExportReply) => {
      if (reply.id === 0) {
        diag.warn(`gatehouse telemetry: span export failed: ${reply.error ?? 'unknown error'}`);
        return;
      }
      const resolve = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      resolve?.(reply);
    });
    worker.on('error', (error) => diag.error(`gatehouse telemetry: the span export worker failed: ${error.message}`));
    worker.on('exit', () => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      if (!this.#shutdown) this.#restartAt = Date.now() + RESTART_PAUSE_MS;
      for (const [id, resolve] of this.#pending) resolve({ id, ok: false, error: 'the span export worker exited' });
      this.#pending.clear();
    });
    this.#worker = worker;
    return worker;
  }
}

/**
 * Built: the compiled entry. From TypeScript sources (tests, `tsx`), a worker does not inherit the
 * parent's loader hooks, so it registers tsx itself before importing the entry.
 */
function startWorker(workerData: SpanExportWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./span-export-worker.js', import.meta.url), { workerData });
  const entry = new URL('./span-export-worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
