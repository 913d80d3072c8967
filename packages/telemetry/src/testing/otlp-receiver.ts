import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeLogsRequest, decodeMetricsRequest, decodeTraceRequest } from './otlp-proto.js';

/*
 * A real OTLP/HTTP receiver for tests: accepts what an OTLP exporter posts to /v1/traces and
 * /v1/metrics (JSON or protobuf bodies), decodes it and keeps it in one normalised shape.
 */

export type AttributeValue = string | number | boolean | null | AttributeValue[];

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty string for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  readonly kind: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly events: readonly { readonly name: string; readonly attributes: Readonly<Record<string, AttributeValue>> }[];
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly resource: Readonly<Record<string, AttributeValue>>;
  readonly scope: string;
}

export interface ReceivedPoint {
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly value?: number;
  readonly count?: number;
  readonly sum?: number;
  readonly bucketCounts?: readonly number[];
  readonly bounds?: readonly number[];
}

export interface ReceivedMetric {
  readonly name: string;
  readonly unit: string;
  readonly type: 'gauge' | 'sum' | 'histogram';
  readonly points: readonly ReceivedPoint[];
  readonly resource: Readonly<Record<string, AttributeValue>>;
}

export interface ReceivedLog {
  readonly eventName: string;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly timeMs: number;
  readonly body: AttributeValue;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly resource: Readonly<Record<string, AttributeValue>>;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`: give it to an exporter as its endpoint base. */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  readonly metrics: ReceivedMetric[];
  readonly logs: ReceivedLog[];
  /** Content types of every request, e.g. `application/json /v1/traces`. */
  readonly requests: string[];
  /** Every raw body as text (protobuf bodies decoded to JSON first): for scanning everything exported. */
  readonly bodies: string[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

function anyValue(value: unknown): AttributeValue {
  const v = (value ?? {}) as Json;
  if ('stringValue' in v) return v['stringValue'] as string;
  if ('boolValue' in v) return v['boolValue'] as boolean;
  if ('intValue' in v) return Number(v['intValue']);
  if ('doubleValue' in v) return Number(v['doubleValue']);
  if ('arrayValue' in v) return list((v['arrayValue'] as Json)['values']).map(anyValue);
  if ('bytesValue' in v) return String(v['bytesValue']);
  return null;
}

function attributes(value: unknown): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {};
  for (const entry of list(value)) result[entry['key'] as string] = anyValue(entry['value']);
  return result;
}

/** JSON exporters send hex ids; protobuf bytes arrive base64 from protobufjs: both become hex. */
function hexId(value: unknown, base64: boolean): string {
  if (typeof value !== 'string' || value === '') return '';
  return base64 ? Buffer.from(value, 'base64').toString('hex') : value.toLowerCase();
}

const nanosToMs = (value: unknown): number => Number(value) / 1e6;

function spansOf(request: Json, base64: boolean): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of list(request['resourceSpans'])) {
    const resource = attributes((resourceSpans['resource'] as Json | undefined)?.['attributes']);
    for (const scopeSpans of list(resourceSpans['scopeSpans'])) {
      const scope = String((scopeSpans['scope'] as Json | undefined)?.['name'] ?? '');
      for (const span of list(scopeSpans['spans'])) {
        const status = (span['status'] ?? {}) as Json;
        spans.push({
          traceId: hexId(span['traceId'], base64),
          spanId: hexId(span['spanId'], base64),
          parentSpanId: hexId(span['parentSpanId'], base64),
          name: span['name'] as string,
          kind: Number(span['kind'] ?? 0),
          startMs: nanosToMs(span['startTimeUnixNano']),
          endMs: nanosToMs(span['endTimeUnixNano']),
          attributes: attributes(span['attributes']),
          events: list(span['events']).map((event) => ({ name: event['name'] as string, attributes: attributes(event['attributes']) })),
          statusCode: Number(status['code'] ?? 0),
          statusMessage: String(status['message'] ?? ''),
          resource,
          scope,
        });
      }
    }
  }
  return spans;
}

function pointsOf(data: Json | undefined, histogram: boolean): ReceivedPoint[] {
  return list(data?.['dataPoints']).map((point) => {
    const base = { attributes: attributes(point['attributes']) };
    if (histogram) {
      return {
        ...base,
        count: Number(point['count'] ?? 0),
        sum: Number(point['sum'] ?? 0),
        bucketCounts: (Array.isArray(point['bucketCounts']) ? (point['bucketCounts'] as unknown[]) : []).map(Number),
        bounds: (Array.isArray(point['explicitBounds']) ? (point['explicitBounds'] as unknown[]) : []).map(Number),
      };
    }
    return { ...base, value: Number(point['asInt'] ?? point['asDouble'] ?? 0) };
  });
}

function metricsOf(request: Json): ReceivedMetric[] {
  const metrics: ReceivedMetric[] = [];
  for (const resourceMetrics of list(request['resourceMetrics'])) {
    const resource = attributes((resourceMetrics['resource'] as Json | undefined)?.['attributes']);
    for (const scopeMetrics of list(resourceMetrics['scopeMetrics'])) {
      for (const metric of list(scopeMetrics['metrics'])) {
        const type = metric['histogram'] ? 'histogram' : metric['sum'] ? 'sum' : 'gauge';
        metrics.push({
          name: metric['name'] as string,
          unit: String(metric['unit'] ?? ''),
          type,
          points: pointsOf(metric[type] as Json | undefined, type === 'histogram'),
          resource,
        });
      }
    }
  }
  return metrics;
}

function logsOf(request: Json): ReceivedLog[] {
  const logs: ReceivedLog[] = [];
  for (const resourceLogs of list(request['resourceLogs'])) {
    const resource = attributes((resourceLogs['resource'] as Json | undefined)?.['attributes']);
    for (const scopeLogs of list(resourceLogs['scopeLogs'])) {
      for (const record of list(scopeLogs['logRecords'])) {
        logs.push({
          eventName: String(record['eventName'] ?? ''),
          severityNumber: Number(record['severityNumber'] ?? 0),
          severityText: String(record['severityText'] ?? ''),
          timeMs: nanosToMs(record['timeUnixNano']),
          body: anyValue(record['body']),
          attributes: attributes(record['attributes']),
          resource,
        });
      }
    }
  }
  return logs;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetric[] = [];
  const logs: ReceivedLog[] = [];
  const requests: string[] = [];
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
      const path = request.url ?? '';
      requests.push(`${type} ${path}`);
      const protobufBody = type === 'application/x-protobuf';
      try {
        if (path.endsWith('/v1/traces')) {
          const decoded = (protobufBody ? decodeTraceRequest(body) : JSON.parse(body.toString('utf8'))) as Json;
          bodies.push(JSON.stringify(decoded));
          spans.push(...spansOf(decoded, protobufBody));
        } else if (path.endsWith('/v1/metrics')) {
          const decoded = (protobufBody ? decodeMetricsRequest(body) : JSON.parse(body.toString('utf8'))) as Json;
          bodies.push(JSON.stringify(decoded));
          metrics.push(...metricsOf(decoded));
        } else if (path.endsWith('/v1/logs')) {
          const decoded = (protobufBody ? decodeLogsRequest(body) : JSON.parse(body.toString('utf8'))) as Json;
          bodies.push(JSON.stringify(decoded));
          logs.push(...logsOf(decoded));
        } else {
          response.writeHead(404).end();
          return;
        }
      } catch (error) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
        return;
      }
      // An empty Export*ServiceResponse: full success.
      if (protobufBody) response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      else response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    metrics,
    logs,
    requests,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Polls until `check` passes (exports are asynchronous), or fails with its last error. */
export async function eventually<T>(check: () => T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The last data of each metric name (cumulative exports repeat every metric each time). */
export function latestMetrics(metrics: readonly ReceivedMetric[]): Map<string, ReceivedMetric> {
  const latest = new Map<string, ReceivedMetric>();
  for (const metric of metrics) latest.set(metric.name, metric);
  return latest;
}
