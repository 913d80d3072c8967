import { availableParallelism } from 'node:os';
import { TelemetryConfigError } from './errors.js';

export const OTLP_EXPORTERS = ['otlp-http', 'otlp-proto', 'otlp-grpc'] as const;
/**
 * otlp-http: OTLP over HTTP with JSON bodies; otlp-proto: OTLP over HTTP with protobuf bodies
 * (what most collectors expect on :4318); otlp-grpc: OTLP over gRPC (:4317).
 */
export type OtlpExporterKind = (typeof OTLP_EXPORTERS)[number];
export const EXPORTER_CHOICES = [...OTLP_EXPORTERS, 'none'] as const;
export type ExporterChoice = (typeof EXPORTER_CHOICES)[number];

/** The `telemetry:` section of the gateway configuration, as the app resolved it. Every key optional. */
export interface TelemetryConfig {
  /** `service.name` of every span and metric; default OTEL_SERVICE_NAME, else `gatehouse`. */
  readonly serviceName?: string;
  /** `service.version`, when the caller knows it. */
  readonly serviceVersion?: string;
  readonly traces?: {
    readonly exporter?: ExporterChoice;
    /** Collector URL; for HTTP exporters `/v1/traces` is added when the URL has no path. */
    readonly endpoint?: string;
    /** 0..1; which share of sessions is traced (a session's statements follow its decision). */
    readonly sampleRatio?: number;
    /**
     * `statement` (default): one span per statement; its sub-spans (upstream round trip, the
     * decision event) only when they explain something: the statement was slow, refused, or a
     * gate held it. `full`: every sub-span for every statement, plus the statement's fingerprint
     * and session id, at about 1.8× the tracing cost per statement.
     */
    readonly detail?: TraceDetail;
    /** With `statement` detail: from this duration on (ms) a statement gets every sub-span. Default 10. */
    readonly slowStatementMs?: number;
    /**
     * Where the SDK's spans are encoded and sent: `worker` (a worker thread: the statement path's
     * thread only copies each span into a message), `main` (the SDK's way, on the statement path's
     * thread: less CPU in all, more on that thread), `auto` (default): `worker` on machines with 4
     * or more cores. With `otlp-proto`, statement spans are lean records encoded on the statement
     * path's thread regardless (cheaper than copying them to a worker): this then applies to the
     * session spans and sub-spans only.
     */
    readonly exportThread?: ExportThread;
  };
  readonly metrics?: {
    readonly exporter?: ExporterChoice;
    /** Collector URL; for HTTP exporters `/v1/metrics` is added when the URL has no path. */
    readonly endpoint?: string;
    readonly intervalMs?: number;
  };
  /** Audit events as OTLP log records (the audit trail forwards them once committed). */
  readonly logs?: {
    readonly exporter?: ExporterChoice;
    /** Collector URL; for HTTP exporters `/v1/logs` is added when the URL has no path. */
    readonly endpoint?: string;
  };
  /**
   * Present: metrics can be scraped in Prometheus text format, from `metricsHandler` (mounted
   * by the admin listener) and, with `listen`, from a listener of its own.
   */
  readonly prometheus?: {
    readonly listen?: { readonly host: string; readonly port: number };
  };
  /**
   * Connections whose statements carry the statement span's W3C `traceparent` upstream (a
   * sqlcommenter comment, MongoDB `comment`). Empty or absent: none (the default; see trace-context.ts).
   */
  readonly traceContextConnections?: readonly string[];
}

/** How much a statement's trace shows; see TelemetryConfig.traces.detail. */
export const TRACE_DETAILS = ['statement', 'full'] as const;
export type TraceDetail = (typeof TRACE_DETAILS)[number];
const DEFAULT_SLOW_STATEMENT_MS = 10;
export const EXPORT_THREADS = ['auto', 'worker', 'main'] as const;
export type ExportThread = (typeof EXPORT_THREADS)[number];
/** `auto` exports from a worker only with this many cores: on fewer, its extra CPU (copying spans across) costs more than it frees. */
const WORKER_EXPORT_MIN_CORES = 4;

export interface OtlpSettings {
  readonly exporter: OtlpExporterKind;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Everything createTelemetry needs, config and environment merged; undefined parts are off. */
export interface TelemetrySettings {
  readonly serviceName: string;
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly traces?: OtlpSettings & { readonly sampleRatio: number; readonly detail: TraceDetail; readonly slowStatementMs: number; readonly exportThread: 'worker' | 'main' };
  readonly metrics?: {
    readonly otlp?: OtlpSettings & { readonly intervalMs: number };
    readonly prometheus?: { readonly listen?: { readonly host: string; readonly port: number } };
  };
  readonly logs?: OtlpSettings;
}

type Env = Readonly<Record<string, string | undefined>>;
type Signal = 'TRACES' | 'METRICS' | 'LOGS';

const DEFAULT_ENDPOINTS: Record<OtlpExporterKind, string> = {
  'otlp-http': 'http://localhost:4318',
  'otlp-proto': 'http://localhost:4318',
  'otlp-grpc': 'http://localhost:4317',
};
const DEFAULT_METRIC_INTERVAL_MS = 60_000;
const DEFAULT_PROMETHEUS_PORT = 9464;

/** A value that is set and not blank. */
function setting(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** OTEL_EXPORTER_OTLP_PROTOCOL's values as our exporter names. */
function exporterForProtocol(env: Env, signal: Signal): OtlpExporterKind {
  const name = setting(env, `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) !== undefined ? `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL` : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = setting(env, name) ?? 'http/protobuf';
  switch (protocol) {
    case 'http/protobuf':
      return 'otlp-proto';
    case 'http/json':
      return 'otlp-http';
    case 'grpc':
      return 'otlp-grpc';
    default:
      throw new TelemetryConfigError(`${name}="${protocol}" is not an OTLP protocol; use http/protobuf, http/json or grpc`);
  }
}

/** `k1=v1,k2=v2` (values URL-encoded), as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES are written. */
export function parseKeyValueList(text: string, name: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const item of text.split(',')) {
    if (item.trim() === '') continue;
    const equals = item.indexOf('=');
    if (equals <= 0) throw new TelemetryConfigError(`${name} must be a list of key=value pairs separated by commas`);
    try {
      result[decodeURIComponent(item.slice(0, equals).trim())] = decodeURIComponent(item.slice(equals + 1).trim());
    } catch {
      throw new TelemetryConfigError(`${name} has a badly URL-encoded entry; encode "," "=" and "%" in values`);
    }
  }
  return result;
}

/** An HTTP(S) URL, or a located complaint. */
function checkedUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TelemetryConfigError(`${what} "${value}" is not a URL; e.g. http://collector:4318`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TelemetryConfigError(`${what} "${value}" must be an http:// or https:// URL`);
  return url;
}

/**
 * The URL an exporter posts to. A base URL (no path) gets the signal's path for HTTP (`/v1/traces`);
 * OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT is used exactly as given (the OTel spec's rule); gRPC takes
 * the base URL.
 */
function signalUrl(exporter: OtlpExporterKind, signal: 'traces' | 'metrics' | 'logs', configured: string | undefined, env: Env): string {
  const upper = signal.toUpperCase();
  const specific = setting(env, `OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`);
  if (configured === undefined && specific !== undefined) return checkedUrl(specific, `OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`).toString();
  const what = configured !== undefined ? `telemetry.${signal}.endpoint` : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  const base = checkedUrl(configured ?? setting(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? DEFAULT_ENDPOINTS[exporter], what);
  if (exporter === 'otlp-grpc') return base.toString();
  const hasPath = base.pathname !== '' && base.pathname !== '/';
  // The generic variable always gets the signal path appended (spec); a configured URL only when it has none.
  if (hasPath && configured !== undefined) return base.toString();
  return `${base.toString().replace(/\/$/, '')}/v1/${signal}`;
}

function headersFor(signal: Signal, env: Env): Record<string, string> {
  const name = setting(env, `OTEL_EXPORTER_OTLP_${signal}_HEADERS`) !== undefined ? `OTEL_EXPORTER_OTLP_${signal}_HEADERS` : 'OTEL_EXPORTER_OTLP_HEADERS';
  const text = setting(env, name);
  return text === undefined ? {} : parseKeyValueList(text, name);
}

/** `OTEL_TRACES_EXPORTER`-style list (`otlp`, `prometheus`, `none`, comma-separated). */
function exporterList(env: Env, name: string, allowed: readonly string[]): string[] | undefined {
  const text = setting(env, name);
  if (text === undefined) return undefined;
  const list = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  for (const item of list) {
    if (!allowed.includes(item)) throw new TelemetryConfigError(`${name}="${text}": "${item}" is not supported here; use ${allowed.join(', ')}`);
  }
  return list;
}

function ratio(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new TelemetryConfigError(`${what} must be a number from 0 to 1 (got ${value})`);
  return value;
}

function sampleRatioFromEnv(env: Env): number {
  const sampler = setting(env, 'OTEL_TRACES_SAMPLER');
  if (sampler === undefined || sampler === 'always_on' || sampler === 'parentbased_always_on') return 1;
  if (sampler === 'always_off' || sampler === 'parentbased_always_off') return 0;
  if (sampler === 'traceidratio' || sampler === 'parentbased_traceidratio') {
    const arg = setting(env, 'OTEL_TRACES_SAMPLER_ARG');
    return arg === undefined ? 1 : ratio(Number(arg), 'OTEL_TRACES_SAMPLER_ARG');
  }
  throw new TelemetryConfigError(
    `OTEL_TRACES_SAMPLER="${sampler}" is not supported; use always_on, always_off, traceidratio or their parentbased_ forms`,
  );
}

function tracesSettings(config: TelemetryConfig, env: Env): TelemetrySettings['traces'] {
  const configured = config.traces?.exporter;
  let exporter: OtlpExporterKind | undefined;
  if (configured !== undefined) exporter = configured === 'none' ? undefined : configured;
  else {
    const list = exporterList(env, 'OTEL_TRACES_EXPORTER', ['otlp', 'none']);
    if (list !== undefined) exporter = list.includes('otlp') ? exporterForProtocol(env, 'TRACES') : undefined;
    // An endpoint alone is a clear enough intent; without any, tracing stays off (never a default collector).
    else if (setting(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? setting(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')) exporter = exporterForProtocol(env, 'TRACES');
    else if (config.traces?.endpoint !== undefined) exporter = 'otlp-proto';
  }
  if (exporter === undefined) return undefined;
  const sampleRatio = config.traces?.sampleRatio !== undefined ? ratio(config.traces.sampleRatio, 'telemetry.traces.sampleRatio') : sampleRatioFromEnv(env);
  const detail = config.traces?.detail ?? 'statement';
  if (!TRACE_DETAILS.includes(detail)) throw new TelemetryConfigError(`telemetry.traces.detail must be one of ${TRACE_DETAILS.join(', ')} (got "${String(detail)}")`);
  const slowStatementMs = config.traces?.slowStatementMs ?? DEFAULT_SLOW_STATEMENT_MS;
  if (!Number.isFinite(slowStatementMs) || slowStatementMs < 0) throw new TelemetryConfigError(`telemetry.traces.slowStatementMs must be a number of milliseconds ≥ 0 (got ${slowStatementMs})`);
  const thread = config.traces?.exportThread ?? 'auto';
  if (!EXPORT_THREADS.includes(thread)) throw new TelemetryConfigError(`telemetry.traces.exportThread must be one of ${EXPORT_THREADS.join(', ')} (got "${String(thread)}")`);
  const exportThread = thread === 'auto' ? (availableParallelism() >= WORKER_EXPORT_MIN_CORES ? 'worker' : 'main') : thread;
  return { exporter, url: signalUrl(exporter, 'traces', config.traces?.endpoint, env), headers: headersFor('TRACES', env), sampleRatio, detail, slowStatementMs, exportThread };
}

function metricsSettings(config: TelemetryConfig, env: Env): TelemetrySettings['metrics'] {
  const configured = config.metrics?.exporter;
  let exporter: OtlpExporterKind | undefined;
  let prometheus: { listen?: { host: string; port: number } } | undefined = config.prometheus ? { ...config.prometheus } : undefined;
  const list = exporterList(env, 'OTEL_METRICS_EXPORTER', ['otlp', 'prometheus', 'none']);
  if (configured !== undefined) exporter = configured === 'none' ? undefined : configured;
  else if (list !== undefined) exporter = list.includes('otlp') ? exporterForProtocol(env, 'METRICS') : undefined;
  else if (setting(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') ?? setting(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')) exporter = exporterForProtocol(env, 'METRICS');
  else if (config.metrics?.endpoint !== undefined) exporter = 'otlp-proto';
  if (prometheus === undefined && list?.includes('prometheus')) {
    const port = setting(env, 'OTEL_EXPORTER_PROMETHEUS_PORT');
    const parsed = port === undefined ? DEFAULT_PROMETHEUS_PORT : Number(port);
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new TelemetryConfigError(`OTEL_EXPORTER_PROMETHEUS_PORT="${port}" is not a port number`);
    prometheus = { listen: { host: setting(env, 'OTEL_EXPORTER_PROMETHEUS_HOST') ?? 'localhost', port: parsed } };
  }
  const interval = config.metrics?.intervalMs ?? (setting(env, 'OTEL_METRIC_EXPORT_INTERVAL') !== undefined ? Number(env['OTEL_METRIC_EXPORT_INTERVAL']) : DEFAULT_METRIC_INTERVAL_MS);
  if (!Number.isInteger(interval) || interval < 100) throw new TelemetryConfigError(`the metrics export interval must be a whole number of milliseconds ≥ 100 (got ${interval})`);
  const otlp = exporter === undefined ? undefined : { exporter, url: signalUrl(exporter, 'metrics', config.metrics?.endpoint, env), headers: headersFor('METRICS', env), intervalMs: interval };
  if (otlp === undefined && prometheus === undefined) return undefined;
  return { ...(otlp ? { otlp } : {}), ...(prometheus ? { prometheus } : {}) };
}

function logsSettings(config: TelemetryConfig, env: Env): OtlpSettings | undefined {
  const configured = config.logs?.exporter;
  let exporter: OtlpExporterKind | undefined;
  if (configured !== undefined) exporter = configured === 'none' ? undefined : configured;
  else {
    // Logs carry audit records: only on when asked for by name (a generic endpoint alone is not enough).
    const list = exporterList(env, 'OTEL_LOGS_EXPORTER', ['otlp', 'none']);
    if (list !== undefined) exporter = list.includes('otlp') ? exporterForProtocol(env, 'LOGS') : undefined;
    else if (config.logs?.endpoint !== undefined || setting(env, 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT')) exporter = 'otlp-proto';
  }
  if (exporter === undefined) return undefined;
  return { exporter, url: signalUrl(exporter, 'logs', config.logs?.endpoint, env), headers: headersFor('LOGS', env) };
}

/**
 * The configuration merged with the standard OTEL_* variables: the configuration file wins,
 * the environment fills in what it leaves out. Nothing is on unless asked for (an exporter or an
 * endpoint, in either place): a gateway with no telemetry settings pays nothing. OTEL_SDK_DISABLED
 * turns everything off, whatever the file says (an operator's kill switch).
 */
export function resolveTelemetrySettings(config: TelemetryConfig = {}, env: Env = process.env): TelemetrySettings | undefined {
  if (setting(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const traces = tracesSettings(config, env);
  const metrics = metricsSettings(config, env);
  const logs = logsSettings(config, env);
  if (traces === undefined && metrics === undefined && logs === undefined) return undefined;
  const resourceText = setting(env, 'OTEL_RESOURCE_ATTRIBUTES');
  const resourceAttributes = resourceText === undefined ? {} : parseKeyValueList(resourceText, 'OTEL_RESOURCE_ATTRIBUTES');
  const serviceName = config.serviceName ?? setting(env, 'OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'gatehouse';
  return { serviceName, resourceAttributes, ...(traces ? { traces } : {}), ...(metrics ? { metrics } : {}), ...(logs ? { logs } : {}) };
}
