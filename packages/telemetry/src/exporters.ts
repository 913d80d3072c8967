import { OTLPLogExporter as OtlpGrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as OtlpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as OtlpGrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as OtlpJsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as OtlpGrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpSettings } from './telemetry-config.js';

/*
 * One place that turns an exporter choice into an exporter. Headers from OTEL_EXPORTER_OTLP_HEADERS
 * are passed to the HTTP exporters explicitly (so the `env` given to createTelemetry is the one
 * used); the gRPC exporters read them as metadata from the process environment themselves.
 */

export function createSpanExporter(settings: OtlpSettings): SpanExporter {
  switch (settings.exporter) {
    case 'otlp-http':
      return new OtlpJsonTraceExporter({ url: settings.url, headers: { ...settings.headers } });
    case 'otlp-proto':
      return new OtlpProtoTraceExporter({ url: settings.url, headers: { ...settings.headers } });
    case 'otlp-grpc':
      return new OtlpGrpcTraceExporter({ url: settings.url });
  }
}

export function createMetricExporter(settings: OtlpSettings): PushMetricExporter {
  switch (settings.exporter) {
    case 'otlp-http':
      return new OtlpJsonMetricExporter({ url: settings.url, headers: { ...settings.headers } });
    case 'otlp-proto':
      return new OtlpProtoMetricExporter({ url: settings.url, headers: { ...settings.headers } });
    case 'otlp-grpc':
      return new OtlpGrpcMetricExporter({ url: settings.url });
  }
}

export function createLogExporter(settings: OtlpSettings): LogRecordExporter {
  switch (settings.exporter) {
    case 'otlp-http':
      return new OtlpJsonLogExporter({ url: settings.url, headers: { ...settings.headers } });
    case 'otlp-proto':
      return new OtlpProtoLogExporter({ url: settings.url, headers: { ...settings.headers } });
    case 'otlp-grpc':
      return new OtlpGrpcLogExporter({ url: settings.url });
  }
}
