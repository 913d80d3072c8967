import { getNumberFromEnv } from '@opentelemetry/core';
import type { Attributes } from '@opentelemetry/api';
import type { OtlpSettings } from '../telemetry-config.js';
import { StatementSpanEncoder } from './statement-span-encoder.js';
import { StatementSpanExporter } from './statement-span-exporter.js';

/**
 * Span limits the SDK applies from the environment (count and length limits): with any of them
 * set, statement spans stay SDK spans, which apply them (the lean encoder does not).
 */
const SPAN_LIMIT_VARIABLES = [
  'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT',
  'OTEL_SPAN_EVENT_COUNT_LIMIT',
  'OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT',
];

/** The SDK batch span processor's defaults. */
const DEFAULT_QUEUE_SIZE = 2_048;
const DEFAULT_SCHEDULE_DELAY_MS = 5_000;
/**
 * Statement spans per request when OTEL_BSP_MAX_EXPORT_BATCH_SIZE leaves it open (the SDK's is
 * 512). Each request costs the statement path's thread a fixed share (the HTTP request, its body
 * stream, the response), which at 512 spans came to more than a microsecond per statement
 * (packages/telemetry/src/testing/hooks-cost-main.ts: 6.0 against 4.9 µs); 2,048 spans are some
 * 1.7 MB, well within collectors' request limits (the OpenTelemetry Collector's default is 20 MiB).
 * Bounded by the queue size.
 */
const STATEMENT_BATCH_SIZE = 2_048;

/**
 * The exporter of lean statement spans, when they apply: OTLP/HTTP protobuf (the budgeted path;
 * JSON and gRPC keep SDK statement spans) and no span limit variable set. Batches as the SDK's
 * batch span processor does, with the same OTEL_BSP_* variables (read from the process
 * environment, as the SDK reads them); `maxQueueSize`: the gateway's own queue size when the
 * variable leaves it open. Batches are larger than the SDK's by default (STATEMENT_BATCH_SIZE).
 */
export function leanStatementExporter(
  settings: OtlpSettings,
  resource: { readonly attributes: Attributes; readonly schemaUrl?: string | undefined },
  scope: string,
  maxQueueSize: number | undefined,
): StatementSpanExporter | undefined {
  if (settings.exporter !== 'otlp-proto') return undefined;
  if (SPAN_LIMIT_VARIABLES.some((name) => getNumberFromEnv(name) !== undefined)) return undefined;
  return new StatementSpanExporter(settings, new StatementSpanEncoder(resource, { name: scope }), {
    maxQueueSize: maxQueueSize ?? getNumberFromEnv('OTEL_BSP_MAX_QUEUE_SIZE') ?? DEFAULT_QUEUE_SIZE,
    maxExportBatchSize: getNumberFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE') ?? STATEMENT_BATCH_SIZE,
    scheduledDelayMillis: getNumberFromEnv('OTEL_BSP_SCHEDULE_DELAY') ?? DEFAULT_SCHEDULE_DELAY_MS,
  });
}
