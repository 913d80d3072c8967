import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { silentLogger } from '@gatehouse/proxy';
import { eventually, startOtlpReceiver } from '@gatehouse/telemetry/testing';
import type { OtlpReceiver } from '@gatehouse/telemetry/testing';
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionConfig, GatewayConfig } from '../config/gateway-config.js';
import { startGateway } from './start-gateway.js';
import type { RunningGateway } from './start-gateway.js';

const POLICY = `version: 1
rules:
  - id: sessions
    effect: allow
    when: { action: { category: [session, transaction] } }
  - id: reads
    effect: allow
    when: { action: { category: [read] } }
`;

/**
 * Trace context end to end: a connection with `telemetry.traceContext` sends each statement with
 * the statement span's traceparent as a sqlcommenter comment, which PostgreSQL's own log shows;
 * a connection without it sends the client's bytes unchanged.
 */
describe('trace context propagation to PostgreSQL', () => {
  let server: PostgresServer;
  let receiver: OtlpReceiver;
  let gateway: RunningGateway;
  let dir: string;
  let token: string;

  const connection = (name: string, traceContext: boolean): ConnectionConfig => ({
    name,
    dialect: 'postgres',
    environment: 'test',
    listen: { host: '127.0.0.1', port: 0 },
    allowPlaintextOnLoopback: true,
    upstream: { host: server.host, port: server.port, database: server.database, user: server.user, password: server.password, tls: { mode: 'disable' } },
    ...(traceContext ? { traceContext: true } : {}),
  });

  const run = async (connectionName: string, text: string): Promise<void> => {
    const port = gateway.listeners.find((listener) => listener.connection === connectionName)!.address.port;
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'carl', password: token, database: server.database, ssl: false });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };

  const loggedLine = (marker: string): string | undefined =>
    readFileSync(server.logFile, 'utf8')
      .split('\n')
      .find((line) => line.includes(`statement: `) && line.includes(marker));

  beforeAll(async () => {
    server = await startPostgres({ tls: false, logStatements: true });
    receiver = await startOtlpReceiver();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-trace-context-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    const config: GatewayConfig = {
      file: join(dir, 'gatehouse.yaml'),
      policy: join(dir, 'policy.yaml'),
      identity: { signingKey: join(dir, 'gateway.pem'), rateLimit: { maxFailures: 100, windowMs: 60_000 } },
      masking: { hashKey: 'h'.repeat(32) },
      connections: [connection('traced', true), connection('plain', false)],
      shutdown: { drainTimeoutMs: 2000 },
      log: { level: 'silent' },
      telemetry: { traces: { exporter: 'otlp-http', endpoint: receiver.url, sampleRatio: 1 } },
    };
    gateway = await startGateway(config, silentLogger());
    const key = await loadOrCreateSigningKey(join(dir, 'gateway.pem'));
    token = await issueGatewayToken(key, { user: 'carl', groups: ['app'], kind: 'human', ttl: '1h' });
  }, 120_000);

  afterAll(async () => {
    await gateway?.drain();
    await receiver?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("carries the statement span's traceparent upstream on a connection that enables it", async () => {
    await run('traced', 'SELECT 1 AS traced_marker');
    const line = await eventually(() => {
      const found = loggedLine('traced_marker');
      expect(found).toBeDefined();
      return found!;
    });
    const match = /\/\*traceparent='00-([0-9a-f]{32})-([0-9a-f]{16})-01'\*\//.exec(line);
    expect(match, line).not.toBeNull();
    // The ids are those of the statement span the gateway exported: the database log joins the trace.
    const span = await eventually(async () => {
      await gateway.telemetry.forceFlush();
      const found = receiver.spans.find((candidate) => candidate.spanId === match![2]);
      expect(found).toBeDefined();
      return found!;
    });
    expect(span).toMatchObject({ traceId: match![1], name: 'SELECT' });
    expect(span.attributes['gatehouse.connection']).toBe('traced');
  });

  it('leaves statements alone on a connection that does not (the default)', async () => {
    await run('plain', 'SELECT 2 AS plain_marker');
    const line = await eventually(() => {
      const found = loggedLine('plain_marker');
      expect(found).toBeDefined();
      return found!;
    });
    expect(line).not.toContain('traceparent');
    expect(line.trimEnd()).toMatch(/statement: SELECT 2 AS plain_marker$/);
  });
});
