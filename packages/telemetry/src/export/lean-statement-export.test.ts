import type { Action, Decision } from '@gatehouse/core';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SdkStatementTracer } from '../statement-spans.js';
import type { StatementShape } from '../statement-shapes.js';
import { startOtlpReceiver } from '../testing/otlp-receiver.js';
import type { OtlpReceiver } from '../testing/otlp-receiver.js';
import { leanStatementExporter } from './lean-statement-export.js';
import { LeanStatementTracer } from './lean-statement-span.js';
import { StatementSpanExporter } from './statement-span-exporter.js';

const RESOURCE = { attributes: { 'service.name': 'gatehouse-test' } };
const settings = (exporter: 'otlp-proto' | 'otlp-http' | 'otlp-grpc', url = 'http://127.0.0.1:4318/v1/traces') => ({ exporter, url, headers: {} });

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
  spanAttributes: Object.freeze({ 'db.system.name': 'postgresql' }),
  metricAttributes: Object.freeze({}),
  readOnly: true,
  source: [ACTION],
});

describe('leanStatementExporter', () => {
  let receiver: OtlpReceiver;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(() => receiver.close());
  afterEach(() => vi.unstubAllEnvs());

  it('applies to OTLP/HTTP protobuf only: JSON and gRPC keep SDK statement spans', async () => {
    const lean = leanStatementExporter(settings('otlp-proto'), RESOURCE, '@gatehouse/telemetry', 8_192);
    expect(lean).toBeInstanceOf(StatementSpanExporter);
    await lean!.shutdown();
    expect(leanStatementExporter(settings('otlp-http'), RESOURCE, '@gatehouse/telemetry', 8_192)).toBeUndefined();
    expect(leanStatementExporter(settings('otlp-grpc'), RESOURCE, '@gatehouse/telemetry', 8_192)).toBeUndefined();
  });

  it('steps aside when a span limit variable is set (only the SDK applies the limits)', () => {
    vi.stubEnv('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', '64');
    expect(leanStatementExporter(settings('otlp-proto'), RESOURCE, '@gatehouse/telemetry', 8_192)).toBeUndefined();
  });

  /** Requests the receiver got for `count` statement spans sent through a lean exporter, and the spans it got. */
  const send = async (count: number, serviceName: string): Promise<{ requests: number; spans: number }> => {
    const resource = resourceFromAttributes({ 'service.name': serviceName });
    const before = receiver.requests.length;
    const exporter = leanStatementExporter(settings('otlp-proto', `${receiver.url}/v1/traces`), resource, '@gatehouse/telemetry', 8_192)!;
    const tracer = new BasicTracerProvider({ resource }).getTracer('@gatehouse/telemetry');
    const session = tracer.startSpan('gatehouse.session');
    const spans = new LeanStatementTracer(exporter, new SdkStatementTracer(tracer)).forSession(trace.setSpan(ROOT_CONTEXT, session), session, {});
    const started = Date.now();
    for (let i = 0; i < count; i++) spans.start(SHAPE, { actions: [ACTION], decision: DECISION }, started).end(started + 1);
    await exporter.shutdown();
    return { requests: receiver.requests.length - before, spans: receiver.spans.filter((span) => span.resource['service.name'] === serviceName).length };
  };

  it('sends 2,048 statement spans to a request unless OTEL_BSP_MAX_EXPORT_BATCH_SIZE says otherwise', async () => {
    expect(await send(2_049, 'default-batches')).toEqual({ requests: 2, spans: 2_049 });
    vi.stubEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', '1000');
    expect(await send(2_049, 'configured-batches')).toEqual({ requests: 3, spans: 2_049 });
  });
});
