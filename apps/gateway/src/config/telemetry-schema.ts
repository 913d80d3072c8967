import { z } from 'zod';
import { EXPORTER_CHOICES, EXPORT_THREADS, TRACE_DETAILS } from '@gatehouse/telemetry';
import { duration, oneOf, strictMap, text } from '@gatehouse/yaml-config';
import { parseListenAddress } from './listen-address.js';

/*
 * The `telemetry:` section of the configuration file. Kept apart from config-schema.ts (as the
 * control-plane sections are) so adding it there is a one-line edit. Every key is optional: the
 * section, or the standard OTEL_* variables, turn on only what they name.
 */

function collectorUrl(what: string) {
  return text(what)
    .superRefine((value, context) => {
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        context.addIssue({ code: 'custom', message: `${what} must be an http(s) URL, e.g. http://otel-collector:4318 (got "${value}")` });
      }
    })
    .meta({ description: `${what}: the collector's base URL (the signal path, e.g. /v1/traces, is added for HTTP when the URL has none)` });
}

const exporter = (what: string) =>
  oneOf(what, EXPORTER_CHOICES).meta({
    description: 'otlp-http: OTLP/HTTP with JSON bodies; otlp-proto: OTLP/HTTP with protobuf bodies; otlp-grpc: OTLP over gRPC; none: off',
  });

export const telemetrySection = strictMap('telemetry', {
  serviceName: text('telemetry serviceName')
    .min(1, { error: 'telemetry serviceName must not be empty' })
    .meta({ description: 'service.name of spans and metrics (default: OTEL_SERVICE_NAME, else gatehouse)' })
    .optional(),
  traces: strictMap('telemetry traces', {
    exporter: exporter('telemetry traces exporter').optional(),
    endpoint: collectorUrl('telemetry traces endpoint').optional(),
    sampleRatio: z
      .number({ error: 'telemetry traces sampleRatio must be a number from 0 to 1' })
      .min(0, { error: 'telemetry traces sampleRatio must be a number from 0 to 1' })
      .max(1, { error: 'telemetry traces sampleRatio must be a number from 0 to 1' })
      .meta({ description: 'Share of client sessions traced (a session and all its statements are one trace); default 1' })
      .optional(),
    detail: oneOf('telemetry traces detail', TRACE_DETAILS)
      .meta({
        description:
          'statement (default): one span per statement, with the upstream round trip and decision event only for slow, refused or held statements; full: every sub-span for every statement (costs more per statement)',
      })
      .optional(),
    slowStatement: duration('telemetry traces slowStatement')
      .meta({ description: 'With detail statement: statements that take at least this long get every sub-span (default 10ms)' })
      .optional(),
    exportThread: oneOf('telemetry traces exportThread', EXPORT_THREADS)
      .meta({
        description:
          'Where the OpenTelemetry SDK encodes and sends its spans: worker (a worker thread, off the statement path), main (the statement path thread: less CPU in all), auto (default: worker with 4 or more cores). With otlp-proto, statement spans are lean records encoded by Gatehouse, encoded on the statement path thread whatever this says',
      })
      .optional(),
  })
    .meta({ description: 'Spans per session and statement (database semantic conventions); absent: OTEL_* variables decide' })
    .optional(),
  metrics: strictMap('telemetry metrics', {
    exporter: exporter('telemetry metrics exporter').optional(),
    endpoint: collectorUrl('telemetry metrics endpoint').optional(),
    interval: duration('telemetry metrics interval').meta({ description: 'How often metrics are pushed over OTLP (default 60s)' }).optional(),
  })
    .meta({ description: 'Metrics pushed over OTLP; absent: OTEL_* variables decide' })
    .optional(),
  logs: strictMap('telemetry logs', {
    exporter: exporter('telemetry logs exporter').optional(),
    endpoint: collectorUrl('telemetry logs endpoint').optional(),
  })
    .meta({ description: 'Audit events as OTLP log records (once committed to the audit trail); absent: OTEL_LOGS_EXPORTER decides' })
    .optional(),
  prometheus: strictMap('telemetry prometheus', {
    listen: text('telemetry prometheus listen')
      .superRefine((value, context) => {
        const parsed = parseListenAddress(value);
        if ('problem' in parsed) context.addIssue({ code: 'custom', message: `telemetry prometheus ${parsed.problem}` });
      })
      .meta({ description: 'A listener of its own serving GET /metrics ("host:port", e.g. 127.0.0.1:9464); absent: only the admin listener serves it' })
      .optional(),
  })
    .meta({ description: 'Metrics for Prometheus to scrape (text format at /metrics)' })
    .optional(),
}).meta({ description: 'OpenTelemetry traces and metrics, Prometheus scraping; see docs/configuration.md. Absent (and no OTEL_* variables): off, at no cost' });

export type TelemetryDocument = z.output<typeof telemetrySection>;

/** A connection's own `telemetry:` keys. */
export const connectionTelemetrySection = strictMap('connection telemetry', {
  traceContext: z
    .boolean({ error: 'telemetry traceContext must be true or false' })
    .default(false)
    .meta({
      description:
        "Carry the statement span's W3C traceparent upstream (SQL: a trailing sqlcommenter comment; MongoDB: the command's comment), for sampled sessions when traces are on. Off by default: it changes the statement text the database sees",
    }),
}).meta({ description: "This connection's telemetry settings" });

export type ConnectionTelemetryDocument = z.output<typeof connectionTelemetrySection>;
