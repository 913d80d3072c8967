import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { TelemetryConfigError } from './errors.js';
import { resolveTelemetrySettings } from './telemetry-config.js';

describe('resolveTelemetrySettings', () => {
  it('is off with no configuration and no OTEL_* variables', () => {
    expect(resolveTelemetrySettings({}, {})).toBeUndefined();
    expect(resolveTelemetrySettings(undefined, { PATH: '/bin' })).toBeUndefined();
  });

  it('is off when every exporter says none', () => {
    expect(resolveTelemetrySettings({ traces: { exporter: 'none' }, metrics: { exporter: 'none' } }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBeUndefined();
  });

  it('turns traces and metrics on from OTEL_EXPORTER_OTLP_ENDPOINT alone, http/protobuf by default, with signal paths', () => {
    const settings = resolveTelemetrySettings({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'gw-eu' })!;
    expect(settings.serviceName).toBe('gw-eu');
    expect(settings.traces).toMatchObject({ exporter: 'otlp-proto', url: 'http://collector:4318/v1/traces', sampleRatio: 1 });
    expect(settings.metrics?.otlp).toMatchObject({ exporter: 'otlp-proto', url: 'http://collector:4318/v1/metrics', intervalMs: 60_000 });
    expect(settings.metrics?.prometheus).toBeUndefined();
  });

  it('follows OTEL_TRACES_EXPORTER, the protocol variables, signal endpoints (as given), headers and the sampler', () => {
    const settings = resolveTelemetrySettings(
      {},
      {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c.example/custom/traces',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=t1',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_METRICS_EXPORTER: 'none',
      },
    )!;
    expect(settings.traces).toEqual({
      exporter: 'otlp-http',
      url: 'https://c.example/custom/traces',
      headers: { authorization: 'Bearer abc', 'x-tenant': 't1' },
      sampleRatio: 0.25,
      detail: 'statement',
      slowStatementMs: 10,
      exportThread: availableParallelism() >= 4 ? 'worker' : 'main',
    });
    expect(settings.metrics).toBeUndefined();
  });

  it('gives the configuration file precedence over the environment', () => {
    const settings = resolveTelemetrySettings(
      { serviceName: 'from-file', traces: { exporter: 'otlp-grpc', endpoint: 'http://agent:4317', sampleRatio: 0.5 }, metrics: { exporter: 'otlp-http', endpoint: 'http://c:4318/', intervalMs: 5000 } },
      { OTEL_SERVICE_NAME: 'from-env', OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://elsewhere:4318' },
    )!;
    expect(settings.serviceName).toBe('from-file');
    expect(settings.traces).toMatchObject({ exporter: 'otlp-grpc', url: 'http://agent:4317/', sampleRatio: 0.5 });
    expect(settings.metrics?.otlp).toMatchObject({ exporter: 'otlp-http', url: 'http://c:4318/v1/metrics', intervalMs: 5000 });
  });

  it('keeps a configured endpoint that already has a path', () => {
    const settings = resolveTelemetrySettings({ traces: { exporter: 'otlp-proto', endpoint: 'http://c:4318/otlp/v1/traces' } }, {})!;
    expect(settings.traces?.url).toBe('http://c:4318/otlp/v1/traces');
  });

  it('serves Prometheus from the config section or OTEL_METRICS_EXPORTER=prometheus', () => {
    expect(resolveTelemetrySettings({ prometheus: {} }, {})?.metrics).toEqual({ prometheus: {} });
    expect(resolveTelemetrySettings({ prometheus: { listen: { host: '127.0.0.1', port: 9464 } } }, {})?.metrics?.prometheus).toEqual({ listen: { host: '127.0.0.1', port: 9464 } });
    expect(resolveTelemetrySettings({}, { OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_PORT: '9999' })?.metrics).toEqual({
      prometheus: { listen: { host: 'localhost', port: 9999 } },
    });
  });

  it('exports logs (audit events) only when asked for by name', () => {
    expect(resolveTelemetrySettings({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })?.logs).toBeUndefined();
    expect(resolveTelemetrySettings({}, { OTEL_LOGS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })?.logs).toMatchObject({ exporter: 'otlp-proto', url: 'http://c:4318/v1/logs' });
    expect(resolveTelemetrySettings({ logs: { exporter: 'otlp-http', endpoint: 'http://c:4318' } }, {})).toMatchObject({ logs: { exporter: 'otlp-http', url: 'http://c:4318/v1/logs' } });
  });

  it('OTEL_SDK_DISABLED=true turns everything off, whatever the file says', () => {
    expect(resolveTelemetrySettings({ traces: { exporter: 'otlp-proto' }, prometheus: {} }, { OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
  });

  it.each([
    [{}, { OTEL_TRACES_EXPORTER: 'zipkin' }, /OTEL_TRACES_EXPORTER="zipkin": "zipkin" is not supported here/],
    [{}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' }, /OTEL_EXPORTER_OTLP_PROTOCOL="thrift" is not an OTLP protocol/],
    [{ traces: { exporter: 'otlp-proto' as const, endpoint: 'collector:4318' } }, {}, /must be an http:\/\/ or https:\/\/ URL|is not a URL/],
    [{ traces: { exporter: 'otlp-proto' as const, sampleRatio: 2 } }, {}, /sampleRatio must be a number from 0 to 1/],
    [{}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, /key=value pairs/],
    [{}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER: 'jaeger_remote' }, /OTEL_TRACES_SAMPLER="jaeger_remote" is not supported/],
  ])('refuses a bad setting with a message that names it (%#)', (config, env, message) => {
    expect(() => resolveTelemetrySettings(config, env)).toThrow(TelemetryConfigError);
    expect(() => resolveTelemetrySettings(config, env)).toThrow(message);
  });
});
