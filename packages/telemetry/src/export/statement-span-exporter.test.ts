import type { Action, Decision } from '@gatehouse/core';
import { DiagLogLevel, ROOT_CONTEXT, diag, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SdkStatementTracer } from '../statement-spans.js';
import type { StatementShape } from '../statement-shapes.js';
import { startOtlpReceiver } from '../testing/otlp-receiver.js';
import type { OtlpReceiver } from '../testing/otlp-receiver.js';
import { LeanStatementTracer } from './lean-statement-span.js';
import { StatementSpanEncoder } from './statement-span-encoder.js';
import { StatementSpanExporter } from './statement-span-exporter.js';
import type { StatementBatchOptions } from './statement-span-exporter.js';

const ACTION: Action = {
  dialect: 'postgres',
  category: 'read',
  operation: 'SELECT',
  objects: [{ name: 'shop.public.orders', kind: 'table', access: 'read' }],
  flags: [],
  fingerprint: 'SELECT * FROM orders WHERE id = ?',
  redactedText: 'SELECT * FROM orders WHERE id = ?',
};
const DECISION: Decision = { effect: 'allow', rules: ['app-reads'], reason: 'allowed', risk: { score: 0, factors: [] }, obligations: { audit: 'standard' }, observed: [] };
const SHAPE: StatementShape = Object.freeze({
  spanName: 'SELECT public.orders',
  spanAttributes: Object.freeze({ 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM orders WHERE id = ?' }),
  metricAttributes: Object.freeze({}),
  readOnly: true,
  source: [ACTION],
});

describe('StatementSpanExporter', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.close());
  afterEach(() => diag.disable());

  const newExporter = (options: StatementBatchOptions, serviceName: string) => {
    const resource = resourceFromAttributes({ 'service.name': serviceName });
    const exporter = new StatementSpanExporter({ exporter: 'otlp-proto', url: `${receiver.url}/v1/traces`, headers: {} }, new StatementSpanEncoder(resource, { name: '@gatehouse/telemetry' }), options);
    const tracer = new BasicTracerProvider({ resource }).getTracer('@gatehouse/telemetry');
    const session = tracer.startSpan('gatehouse.session');
    const spans = new LeanStatementTracer(exporter, new SdkStatementTracer(tracer)).forSession(trace.setSpan(ROOT_CONTEXT, session), session, { 'gatehouse.principal.id': 'p' });
    /** `count` statement spans, ended one after another. */
    const statements = (count: number): void => {
      const started = Date.now();
      for (let i = 0; i < count; i++) {
        const span = spans.start(SHAPE, { actions: [ACTION], decision: DECISION }, started + i);
        span.setAttribute('gatehouse.statement.result', 'ok');
        span.end(started + i + 0.5);
      }
    };
    return { exporter, session, statements };
  };
  const exportStatements = (options: StatementBatchOptions, count: number, serviceName: string) => {
    const made = newExporter(options, serviceName);
    made.statements(count);
    return made;
  };
  const received = (serviceName: string) => receiver.spans.filter((span) => span.resource['service.name'] === serviceName);

  it('sends full batches at once and the rest on a flush, under the session span', async () => {
    const { exporter, session } = exportStatements({ maxQueueSize: 100, maxExportBatchSize: 4, scheduledDelayMillis: 60_000 }, 10, 'batches');
    await exporter.forceFlush();
    const spans = received('batches');
    expect(spans).toHaveLength(10);
    expect(new Set(spans.map((span) => span.spanId)).size).toBe(10);
    for (const span of spans) {
      expect(span).toMatchObject({ name: 'SELECT public.orders', kind: 3, traceId: session.spanContext().traceId, parentSpanId: session.spanContext().spanId, statusCode: 0 });
      expect(span.attributes).toEqual({
        'db.system.name': 'postgresql',
        'db.query.text': 'SELECT * FROM orders WHERE id = ?',
        'gatehouse.principal.id': 'p',
        'gatehouse.decision.effect': 'allow',
        'gatehouse.policy.rules': ['app-reads'],
        'gatehouse.risk.score': 0,
        'gatehouse.statement.result': 'ok',
      });
      expect(span.endMs - span.startMs).toBeCloseTo(0.5, 3);
    }
    await exporter.shutdown();
  });

  it('sends a partial batch after the schedule delay', async () => {
    const { exporter } = exportStatements({ maxQueueSize: 100, maxExportBatchSize: 50, scheduledDelayMillis: 20 }, 3, 'delayed');
    await expect.poll(() => received('delayed').length, { timeout: 5_000 }).toBe(3);
    await exporter.shutdown();
  });

  it('drops spans beyond its queue, says how many, and takes none after shutdown', async () => {
    const warnings: string[] = [];
    diag.setLogger({ error: () => undefined, warn: (message) => void warnings.push(message), info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
    const { exporter, statements } = newExporter({ maxQueueSize: 5, maxExportBatchSize: 2, scheduledDelayMillis: 60_000 }, 'bounded');
    // One export at a time: while the first batch of 2 is out, the queue (5) fills and the rest is dropped.
    statements(20);
    await exporter.forceFlush();
    const sent = received('bounded').length;
    expect(sent).toBeGreaterThanOrEqual(5);
    expect(sent).toBeLessThan(20);
    // The count is reported with the next span that fits.
    statements(1);
    expect(warnings).toEqual([`Dropped ${20 - sent} spans because maxQueueSize reached`]);
    await exporter.shutdown();
    const afterShutdown = received('bounded').length;
    statements(3);
    await exporter.forceFlush();
    expect(received('bounded').length).toBe(afterShutdown);
  });
});
