import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProblem } from '@gatehouse/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayConfigError } from './gateway-config-error.js';
import { loadGatewayConfig } from './load-gateway-config.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-telemetry-config-'));
  writeFileSync(join(dir, 'policy.yaml'), 'version: 1\nrules: []\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const BASE = `policy: ./policy.yaml
identity:
  signingKey: ./keys/gateway.pem
masking:
  hashKey: 0123456789abcdef0123
connections:
  - name: orders
    dialect: postgres
    environment: prod
    listen: 127.0.0.1:6432
    upstream: { host: db.internal, port: 5432, database: orders, user: svc }
`;

async function load(telemetry: string) {
  const file = join(dir, 'gatehouse.yaml');
  writeFileSync(file, `${BASE}${telemetry}`);
  return loadGatewayConfig(file, { env: {} });
}

async function problems(telemetry: string): Promise<string[]> {
  const error = await load(telemetry).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayConfigError);
  return (error as GatewayConfigError).problems.map((problem) => formatProblem(problem).split(dir).join('<dir>'));
}

describe('the telemetry section', () => {
  it('is empty (off) when absent', async () => {
    expect((await load('')).telemetry).toEqual({});
  });

  it('resolves exporters, endpoints, the interval and the Prometheus listener', async () => {
    const config = await load(`telemetry:
  serviceName: gw-eu
  traces: { exporter: otlp-grpc, endpoint: "http://agent:4317", sampleRatio: 0.25 }
  metrics: { exporter: otlp-http, endpoint: "http://collector:4318", interval: 15s }
  logs: { exporter: otlp-proto, endpoint: "http://collector:4318" }
  prometheus: { listen: "127.0.0.1:9464" }
`);
    expect(config.telemetry).toEqual({
      serviceName: 'gw-eu',
      traces: { exporter: 'otlp-grpc', endpoint: 'http://agent:4317', sampleRatio: 0.25 },
      metrics: { exporter: 'otlp-http', endpoint: 'http://collector:4318', intervalMs: 15_000 },
      logs: { exporter: 'otlp-proto', endpoint: 'http://collector:4318' },
      prometheus: { listen: { host: '127.0.0.1', port: 9464 } },
    });
  });

  it('resolves the trace detail, the slow-statement threshold and the export thread', async () => {
    const config = await load(`telemetry:
  traces: { endpoint: "http://collector:4318", detail: full, slowStatement: 250ms, exportThread: worker }
`);
    expect(config.telemetry).toEqual({ traces: { endpoint: 'http://collector:4318', detail: 'full', slowStatementMs: 250, exportThread: 'worker' } });
    const found = await problems(`telemetry:
  traces: { detail: everything, slowStatement: slow, exportThread: gpu }
`);
    expect(found.join('\n')).toMatch(/unknown telemetry traces detail "everything"; expected one of statement, full/);
    expect(found.join('\n')).toMatch(/bad duration "slow" for telemetry traces slowStatement/);
    expect(found.join('\n')).toMatch(/unknown telemetry traces exportThread "gpu"/);
  });

  it('accepts an empty prometheus map (the admin listener serves /metrics)', async () => {
    expect((await load('telemetry:\n  prometheus: {}\n')).telemetry).toEqual({ prometheus: {} });
  });

  it('locates every bad value', async () => {
    const found = await problems(`telemetry:
  traces: { exporter: zipkin, endpoint: "collector:4318", sampleRatio: 3 }
  metrics: { interval: soon }
  prometheus: { listen: "9464" }
  spans: {}
`);
    expect(found.join('\n')).toMatch(/<dir>\/gatehouse\.yaml:13:\d+: .*zipkin/);
    expect(found.join('\n')).toMatch(/telemetry traces endpoint must be an http\(s\) URL/);
    expect(found.join('\n')).toMatch(/sampleRatio must be a number from 0 to 1/);
    expect(found.join('\n')).toMatch(/:14:\d+: .*telemetry metrics interval/);
    expect(found.join('\n')).toMatch(/:15:\d+: telemetry prometheus listen must be "host:port"/);
    expect(found.join('\n')).toMatch(/:16:\d+: .*spans/);
  });

  it('propagates trace context only on connections that ask for it (off by default)', async () => {
    expect((await load('')).connections[0]!.traceContext).toBeUndefined();
    const file = join(dir, 'gatehouse.yaml');
    writeFileSync(file, `${BASE}    telemetry: { traceContext: true }\n`);
    expect((await loadGatewayConfig(file, { env: {} })).connections[0]!.traceContext).toBe(true);
    writeFileSync(file, `${BASE}    telemetry: { traceContext: yes-please }\n`);
    const error = (await loadGatewayConfig(file, { env: {} }).catch((caught: unknown) => caught)) as GatewayConfigError;
    expect(error).toBeInstanceOf(GatewayConfigError);
    expect(error.problems.map((problem) => formatProblem(problem).split(dir).join('<dir>'))).toEqual([
      expect.stringMatching(/^<dir>\/gatehouse\.yaml:12:\d+: .*traceContext must be true or false/),
    ]);
  });
});
