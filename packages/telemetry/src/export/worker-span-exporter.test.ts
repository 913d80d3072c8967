import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../testing/otlp-receiver.js';
import type { OtlpReceiver } from '../testing/otlp-receiver.js';
import { WorkerSpanExporter } from './worker-span-exporter.js';

describe('WorkerSpanExporter', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.close());

  const finishedSpans = (count: number) => {
    const memory = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer('@gatehouse/telemetry');
    for (let i = 0; i < count; i++) tracer.startSpan(`statement ${i}`, { attributes: { 'gatehouse.connection': 'orders' } }).end();
    return memory.getFinishedSpans();
  };
  const exported = (exporter: WorkerSpanExporter, spans: ReturnType<typeof finishedSpans>) => new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));

  it('encodes and sends spans from its worker thread; a flush waits until they arrived', async () => {
    const exporter = new WorkerSpanExporter({ exporter: 'otlp-proto', url: `${receiver.url}/v1/traces`, headers: {} }, { 'service.name': 'worker-test' });
    try {
      expect((await exported(exporter, finishedSpans(3))).code).toBe(ExportResultCode.SUCCESS);
      await exporter.forceFlush();
      const received = receiver.spans.filter((span) => span.resource['service.name'] === 'worker-test');
      expect(received.map((span) => span.name).sort()).toEqual(['statement 0', 'statement 1', 'statement 2']);
      expect(received[0]!.attributes).toEqual({ 'gatehouse.connection': 'orders' });
      expect(received[0]!.scope).toBe('@gatehouse/telemetry');
    } finally {
      await exporter.shutdown();
    }
    // Shut down: nothing more is accepted (the batch processor counts the batch as failed).
    const late = await exported(exporter, finishedSpans(1));
    expect(late.code).toBe(ExportResultCode.FAILED);
  });

  it('reports a collector that cannot be reached, and still shuts down', async () => {
    const exporter = new WorkerSpanExporter({ exporter: 'otlp-proto', url: 'http://127.0.0.1:1/v1/traces', headers: {} }, {});
    // The first exports are answered before they are sent (the worker reports their failure on its own),
    // so fill the early answers and look at one answered when it finished.
    const results = await Promise.all(Array.from({ length: 6 }, () => exported(exporter, finishedSpans(1))));
    expect(results.some((result) => result.code === ExportResultCode.FAILED)).toBe(true);
    await exporter.shutdown();
  }, 60_000);
});
