import type { SessionHooks, StatementOutcome } from '@gatehouse/proxy';
import type { SpanContext } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { auditLogForwarder } from './audit-log-forwarder.js';
import type { AuditLogForwarder } from './audit-log-forwarder.js';
import { leanStatementExporter } from './export/lean-statement-export.js';
import { LeanStatementTracer } from './export/lean-statement-span.js';
import type { StatementSpanExporter } from './export/statement-span-exporter.js';
import { WorkerSpanExporter } from './export/worker-span-exporter.js';
import { createLogExporter, createMetricExporter, createSpanExporter } from './exporters.js';
import type { DurationHistogram } from './duration-histogram.js';
import { GatewayMetrics, durationHistogram } from './gateway-metrics.js';
import type { GaugeSources } from './gateway-metrics.js';
import { metricsHandlerOf, startPrometheusListener } from './prometheus-endpoint.js';
import type { MetricsHandler, PrometheusListener } from './prometheus-endpoint.js';
import { resolveTelemetrySettings } from './telemetry-config.js';
import type { TelemetryConfig } from './telemetry-config.js';
import { TelemetryHooks } from './telemetry-hooks.js';
import { SdkStatementTracer } from './statement-spans.js';
import type { StatementTracer } from './statement-spans.js';

/** The instrumentation scope every span and metric carries. */
export const INSTRUMENTATION_SCOPE = '@gatehouse/telemetry';

export interface Telemetry {
  /** False when nothing is configured: no SDK was started and `hooks` is undefined. */
  readonly enabled: boolean;
  /** Compose with the other hooks (`composeHooks`) and give to every adapter. Undefined when off. */
  readonly hooks: SessionHooks | undefined;
  /** GET /metrics in Prometheus text format, for the admin listener to mount; when Prometheus is configured. */
  readonly metricsHandler?: MetricsHandler;
  /** Where the standalone Prometheus listener is bound, when `prometheus.listen` is configured. */
  readonly prometheusAddress?: { readonly host: string; readonly port: number };
  /** Audit events as OTLP logs, when `logs` is configured: add it to the audit trail's forwarders. */
  readonly auditForwarder?: AuditLogForwarder;
  /** Readings owned elsewhere (approvals pending, audit queue): returns an unregister function. No-op when off. */
  registerGauges(sources: GaugeSources): () => void;
  /** The statement span's context, for trace context propagation upstream (see trace-context.ts). */
  statementSpanContext(sessionId: string, outcome: StatementOutcome): SpanContext | undefined;
  /** Sends what is buffered now (tests; before a planned exit). */
  forceFlush(): Promise<void>;
  /** Flushes and stops exporters and the Prometheus listener. Idempotent. */
  shutdown(): Promise<void>;
}

const NOTHING = (): void => undefined;

/**
 * Spans queued for export before new ones are dropped. The SDK's 2,048 is 0.1 s of statements at
 * 20,000 a second: one slow export to the collector and spans are lost. 8,192 hold about 0.4 s
 * (some 15 MB at most) and stay within the OTLP exporters' 30 concurrent exports when a flush
 * sends the whole queue at once (16 batches of 512; statement spans go 2,048 to a request). OTEL_BSP_MAX_QUEUE_SIZE still wins when set.
 */
const SPAN_QUEUE_SIZE = 8_192;

/** The batch span processor's settings: ours where the OTEL_BSP_* variables leave them open. */
function batchOptions(env: Readonly<Record<string, string | undefined>>): { maxQueueSize?: number } {
  return env['OTEL_BSP_MAX_QUEUE_SIZE'] === undefined ? { maxQueueSize: SPAN_QUEUE_SIZE } : {};
}

const OFF: Telemetry = Object.freeze({
  enabled: false,
  hooks: undefined,
  registerGauges: () => NOTHING,
  statementSpanContext: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
});

/**
 * Sets up the OpenTelemetry SDK for the gateway from its `telemetry:` configuration and the
 * standard OTEL_* variables (the file wins). Everything is off until configured; then only what
 * is configured starts (traces, OTLP metrics, Prometheus). Nothing is registered globally, so
 * several gateways (tests) can run in one process. Throws TelemetryConfigError on a bad setting
 * and the listen error when the Prometheus port is taken.
 */
export async function createTelemetry(config: TelemetryConfig = {}, env: Readonly<Record<string, string | undefined>> = process.env): Promise<Telemetry> {
  const settings = resolveTelemetrySettings(config, env);
  if (!settings) return OFF;

  const resource = defaultResource().merge(
    resourceFromAttributes({
      ...settings.resourceAttributes,
      [ATTR_SERVICE_NAME]: settings.serviceName,
      ...(config.serviceVersion !== undefined ? { [ATTR_SERVICE_VERSION]: config.serviceVersion } : {}),
    }),
  );

  let tracerProvider: BasicTracerProvider | undefined;
  let spanExporter: SpanExporter | undefined;
  let statementExporter: StatementSpanExporter | undefined;
  if (settings.traces) {
    // In a worker thread, or the SDK's way on this one (see TelemetryConfig.traces.exportThread).
    spanExporter = settings.traces.exportThread === 'worker' ? new WorkerSpanExporter(settings.traces, resource.attributes) : createSpanExporter(settings.traces);
    tracerProvider = new BasicTracerProvider({
      resource,
      // A session's statements follow the session's sampling decision: a trace is a whole session.
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.traces.sampleRatio) }),
      spanProcessors: [new BatchSpanProcessor(spanExporter, batchOptions(env))],
    });
    // OTLP/HTTP protobuf: statement spans are encoded by us (lean-statement-span.ts); the SDK keeps the rest.
    statementExporter = leanStatementExporter(settings.traces, resource, INSTRUMENTATION_SCOPE, batchOptions(env).maxQueueSize);
  }

  let meterProvider: MeterProvider | undefined;
  let durations: DurationHistogram | undefined;
  let metricsHandler: MetricsHandler | undefined;
  let listener: PrometheusListener | undefined;
  if (settings.metrics) {
    const readers: IMetricReader[] = [];
    const { otlp, prometheus } = settings.metrics;
    // The duration histogram is recorded by the gateway itself (gateway-metrics.ts) and read by every reader.
    durations = durationHistogram(INSTRUMENTATION_SCOPE);
    const metricProducers = [durations];
    if (otlp) readers.push(new PeriodicExportingMetricReader({ exporter: createMetricExporter(otlp), exportIntervalMillis: otlp.intervalMs, metricProducers }));
    if (prometheus) {
      // Its own server is never started: the admin listener mounts the handler, or ours serves it.
      const exporter = new PrometheusExporter({ preventServerStart: true, metricProducers });
      readers.push(exporter);
      metricsHandler = metricsHandlerOf(exporter);
    }
    meterProvider = new MeterProvider({ resource, readers });
    if (prometheus?.listen && metricsHandler) {
      try {
        listener = await startPrometheusListener(metricsHandler, prometheus.listen);
      } catch (error) {
        await Promise.allSettled([meterProvider.shutdown(), tracerProvider?.shutdown(), statementExporter?.shutdown()]);
        throw error;
      }
    }
  }

  const loggerProvider = settings.logs
    ? new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: createLogExporter(settings.logs) })] })
    : undefined;
  const auditForwarder = loggerProvider ? auditLogForwarder(loggerProvider.getLogger(INSTRUMENTATION_SCOPE), () => loggerProvider.forceFlush()) : undefined;

  const metrics = meterProvider ? new GatewayMetrics(meterProvider.getMeter(INSTRUMENTATION_SCOPE), durations) : undefined;
  const tracer = tracerProvider?.getTracer(INSTRUMENTATION_SCOPE);
  let statementTracer: StatementTracer | undefined;
  if (tracer) statementTracer = statementExporter ? new LeanStatementTracer(statementExporter, new SdkStatementTracer(tracer)) : new SdkStatementTracer(tracer);
  const telemetryHooks = new TelemetryHooks(tracer, metrics, config.traceContextConnections ?? [], {
    ...(settings.traces ? { detail: settings.traces.detail, slowStatementMs: settings.traces.slowStatementMs } : {}),
    ...(statementTracer ? { statementTracer } : {}),
  });

  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    // Logs alone (no traces, no metrics) need no hooks: nothing is added to the statement path.
    hooks: tracer || metrics ? telemetryHooks.hooks() : undefined,
    ...(auditForwarder ? { auditForwarder } : {}),
    ...(metricsHandler ? { metricsHandler } : {}),
    ...(listener ? { prometheusAddress: listener.address } : {}),
    registerGauges: (sources) => metrics?.registerGauges(sources) ?? NOTHING,
    statementSpanContext: (sessionId, outcome) => telemetryHooks.statementSpanContext(sessionId, outcome),
    async forceFlush() {
      // The batch processor hands its spans to the exporter; a worker's flush waits until they arrived.
      await Promise.all([
        tracerProvider?.forceFlush().then(() => spanExporter?.forceFlush?.()),
        statementExporter?.forceFlush(),
        meterProvider?.forceFlush(),
        loggerProvider?.forceFlush(),
      ]);
    },
    shutdown() {
      stopped ??= Promise.allSettled([tracerProvider?.shutdown(), statementExporter?.shutdown(), meterProvider?.shutdown(), loggerProvider?.shutdown(), listener?.close()]).then(() => undefined);
      return stopped;
    },
  };
}
