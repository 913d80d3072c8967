// The export worker's entry: OTLP encoding and sending of spans, off the statement path's thread.
// See worker-span-exporter.ts for the other side and the message protocol.
import { parentPort, workerData } from 'node:worker_threads';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { createSpanExporter } from '../exporters.js';
import { SpanRecordReader } from './span-records.js';
import type { SpanExportReply, SpanExportRequest, SpanExportWorkerData } from './worker-protocol.js';

const { settings, resourceAttributes } = workerData as SpanExportWorkerData;
const exporter = createSpanExporter(settings);
const reader = new SpanRecordReader(resourceFromAttributes(resourceAttributes));
const port = parentPort!;

/**
 * Exports answered before they finished. The batch span processor sends its next batch only once
 * the last one is answered; answering at once keeps the statement path's queue short while the
 * collector round trip runs here. Beyond this many, an export is answered when it finishes (the
 * batch processor then waits, and past its queue drops spans: memory stays bounded).
 */
const MAX_ANSWERED_EARLY = 4;
let inFlight = 0;
let answeredEarly = 0;
const whenIdle: (() => void)[] = [];

function settled(): void {
  inFlight--;
  if (inFlight === 0) for (const resolve of whenIdle.splice(0)) resolve();
}

function idle(): Promise<void> {
  return new Promise((resolve) => (inFlight === 0 ? resolve() : whenIdle.push(resolve)));
}

function reply(message: SpanExportReply): void {
  port.postMessage(message);
}

/** What went wrong, without the error's own text beyond its message (no stack, no request body). */
function problem(error: unknown): string {
  return error instanceof Error ? error.message : 'span export failed';
}

port.on('message', (request: SpanExportRequest) => {
  switch (request.type) {
    case 'export': {
      const early = answeredEarly < MAX_ANSWERED_EARLY;
      if (early) {
        answeredEarly++;
        reply({ id: request.id, ok: true });
      }
      inFlight++;
      const done = (ok: boolean, error?: unknown): void => {
        settled();
        if (early) answeredEarly--;
        // An export answered early reports its failure on its own (the batch processor would only have logged it).
        if (early && !ok) reply({ id: 0, ok: false, error: problem(error) });
        else if (!early) reply({ id: request.id, ok, ...(ok ? {} : { error: problem(error) }) });
      };
      try {
        exporter.export(
          request.spans.map((record) => reader.read(record)),
          (result) => done(result.code === ExportResultCode.SUCCESS, result.error),
        );
      } catch (error) {
        done(false, error);
      }
      return;
    }
    case 'flush':
    case 'shutdown':
      // Everything sent so far has arrived (or failed) before either is answered.
      void idle()
        .then(() => (request.type === 'flush' ? exporter.forceFlush?.() : exporter.shutdown()))
        .then(
          () => reply({ id: request.id, ok: true }),
          (error: unknown) => reply({ id: request.id, ok: false, error: problem(error) }),
        );
      return;
  }
});
