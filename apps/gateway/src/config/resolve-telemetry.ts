import { parseDuration } from '@gatehouse/yaml-config';
import type { TelemetryConfig } from '@gatehouse/telemetry';
import { parseListenAddress } from './listen-address.js';
import type { TelemetryDocument } from './telemetry-schema.js';

/** The validated `telemetry:` section as the runtime takes it (durations in ms, listen parsed). */
export function resolveTelemetry(document: TelemetryDocument | undefined): TelemetryConfig {
  if (!document) return {};
  const listen = document.prometheus?.listen === undefined ? undefined : parseListenAddress(document.prometheus.listen);
  const interval = document.metrics?.interval === undefined ? undefined : parseDuration(document.metrics.interval);
  const slowStatement = document.traces?.slowStatement === undefined ? undefined : parseDuration(document.traces.slowStatement);
  return {
    ...(document.serviceName !== undefined ? { serviceName: document.serviceName } : {}),
    ...(document.traces
      ? {
          traces: {
            ...(document.traces.exporter !== undefined ? { exporter: document.traces.exporter } : {}),
            ...(document.traces.endpoint !== undefined ? { endpoint: document.traces.endpoint } : {}),
            ...(document.traces.sampleRatio !== undefined ? { sampleRatio: document.traces.sampleRatio } : {}),
            ...(document.traces.detail !== undefined ? { detail: document.traces.detail } : {}),
            ...(slowStatement !== undefined ? { slowStatementMs: slowStatement } : {}),
            ...(document.traces.exportThread !== undefined ? { exportThread: document.traces.exportThread } : {}),
          },
        }
      : {}),
    ...(document.metrics
      ? {
          metrics: {
            ...(document.metrics.exporter !== undefined ? { exporter: document.metrics.exporter } : {}),
            ...(document.metrics.endpoint !== undefined ? { endpoint: document.metrics.endpoint } : {}),
            ...(interval !== undefined ? { intervalMs: interval } : {}),
          },
        }
      : {}),
    ...(document.logs ? { logs: { ...document.logs } } : {}),
    // A listen address the schema refused never gets here (the loader stops first).
    ...(document.prometheus ? { prometheus: listen && 'host' in listen ? { listen } : {} } : {}),
  };
}
