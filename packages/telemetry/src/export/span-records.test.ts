import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, createTraceState, trace } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { SpanRecordReader, SpanRecordWriter } from './span-records.js';

describe('span records (the export worker’s input)', () => {
  it('carry everything an OTLP exporter encodes across a structured clone', () => {
    const resource = resourceFromAttributes({ 'service.name': 'gatehouse-test' });
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('@gatehouse/telemetry', '1.2.3');
    const parent = tracer.startSpan('gatehouse.session', { kind: SpanKind.SERVER, attributes: { 'gatehouse.connection': 'orders' } });
    const traceState = createTraceState('vendor=abc');
    const child = tracer.startSpan(
      'SELECT public.orders',
      { kind: SpanKind.CLIENT, links: [{ context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, traceState }, attributes: { why: 'link' } }] },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    child.setAttributes({ 'db.query.text': 'SELECT * FROM orders WHERE id = ?', 'gatehouse.policy.rules': ['a', 'b'], 'gatehouse.risk.score': 3, 'gatehouse.client.tls': true });
    child.addEvent('gatehouse.policy.decision', { 'gatehouse.decision.effect': 'allow' });
    child.setStatus({ code: SpanStatusCode.ERROR });
    child.end();
    parent.end();
    const spans = exporter.getFinishedSpans();

    const reader = new SpanRecordReader(resource);
    const writer = new SpanRecordWriter();
    const rebuilt = structuredClone(spans.map((span) => writer.write(span))).map((record) => reader.read(record));

    const decode = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    expect(decode(JsonTraceSerializer.serializeRequest(rebuilt))).toEqual(decode(JsonTraceSerializer.serializeRequest(spans)));
    // One scope, not one per span: the reader interns the cloned scopes.
    expect(rebuilt[0]!.instrumentationScope).toBe(rebuilt[1]!.instrumentationScope);
    expect(rebuilt.find((span) => span.name === 'SELECT public.orders')!.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(rebuilt.find((span) => span.name === 'SELECT public.orders')!.links[0]!.context.traceState?.serialize()).toBe('vendor=abc');
  });
});
