import { afterEach, describe, expect, it, vi } from 'vitest';
import { leanStatementExporter } from './lean-statement-export.js';
import { StatementSpanExporter } from './statement-span-exporter.js';

const RESOURCE = { attributes: { 'service.name': 'gatehouse-test' } };
const settings = (exporter: 'otlp-proto' | 'otlp-http' | 'otlp-grpc') => ({ exporter, url: 'http://127.0.0.1:4318/v1/traces', headers: {} });

describe('leanStatementExporter', () => {
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
});
