import type { Decision, Principal, Target } from '@gatehouse/core';
import type { HookSession, SessionHooks, StatementOutcome } from '@gatehouse/proxy';
import { createSqlClassifier } from '@gatehouse/sql';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetry } from './create-telemetry.js';
import type { Telemetry } from './create-telemetry.js';
import { eventually, latestMetrics, startOtlpReceiver } from './testing/otlp-receiver.js';
import type { OtlpReceiver, ReceivedSpan } from './testing/otlp-receiver.js';

/*
 * The hooks driven the way an adapter drives them, exported through the real OTLP exporters to a
 * real OTLP/HTTP receiver in this process (JSON and protobuf bodies), and scraped over HTTP in
 * Prometheus text format, parsed by a Prometheus parser.
 */

const PRINCIPAL: Principal = { id: 'carl', groups: ['app'], kind: 'agent', via: 'gateway-token' };
const TARGET: Target = { connection: 'orders', environment: 'prod', dialect: 'postgres', database: 'shop' };
const ATTEMPT = { sessionId: 's-1', connection: 'orders', environment: 'prod', dialect: 'postgres' as const, clientAddress: '127.0.0.1' };
const SESSION: HookSession = { sessionId: 's-1', principal: PRINCIPAL, target: TARGET, clientAddress: '127.0.0.1' };

function decision(effect: Decision['effect'], rules: string[]): Decision {
  return { effect, rules, reason: `${effect} by ${rules.join(',')}`, risk: { score: effect === 'allow' ? 1 : 6, factors: [] }, obligations: { audit: 'standard' }, observed: [] };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One session the way the PostgreSQL relay reports it. */
async function driveSession(hooks: SessionHooks, outcomes: { select: StatementOutcome; denied: StatementOutcome }): Promise<void> {
  const t0 = new Date();
  hooks.authenticated!(ATTEMPT, { ok: true, startedAt: t0, durationMs: 3, principal: PRINCIPAL });
  hooks.upstreamConnected!(ATTEMPT, { ok: true, startedAt: new Date(t0.getTime() + 3), durationMs: 4, serverAddress: 'db.internal', serverPort: 5432 });
  hooks.sessionStarted!({ ...SESSION, tls: true, startedAt: new Date(t0.getTime() + 8), applicationName: 'psql' });

  hooks.statementDecided!(SESSION, outcomes.select);
  await sleep(15); // an audit write or an approval the gate waited for
  hooks.gateSettled!(SESSION, outcomes.select, { proceed: true, approvalId: 'apr-7' });
  await sleep(5);
  hooks.statementCompleted!(SESSION, { outcome: outcomes.select, result: 'ok', rows: 2, durationMs: 4, maskedValues: 3 });
  // The same prepared statement executed again: one decision, a second span.
  hooks.statementCompleted!(SESSION, { outcome: outcomes.select, result: 'error', durationMs: 1, errorCode: '57014', maskedValues: 0 });

  hooks.statementDecided!(SESSION, outcomes.denied);
  hooks.gateSettled!(SESSION, outcomes.denied, { proceed: false, reason: 'policy', message: 'denied' });
  hooks.statementCompleted!(SESSION, { outcome: outcomes.denied, result: 'blocked', durationMs: 0, maskedValues: 0 });

  hooks.sessionEnded!(SESSION, new Date(), { clientBytesIn: 1200, clientBytesOut: 3400 });
  // A client whose token was refused never becomes a session.
  hooks.authenticated!({ ...ATTEMPT, sessionId: 's-2' }, { ok: false, startedAt: new Date(), durationMs: 1, errorType: 'identity.expired' });
}

describe('telemetry export', () => {
  let receiver: OtlpReceiver;
  let outcomes: { select: StatementOutcome; denied: StatementOutcome };
  let telemetry: Telemetry | undefined;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const classifier = await createSqlClassifier();
    const classify = (sql: string) => classifier.classify(sql, { dialect: 'postgres', database: 'shop' });
    outcomes = {
      select: { actions: classify("SELECT name, email FROM customers WHERE id = 42 AND email = 'ann@example.com'"), decision: decision('allow', ['app-reads']) },
      denied: { actions: classify('DROP TABLE customers'), decision: decision('deny', ['no-ddl']) },
    };
  }, 60_000);
  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
    receiver.spans.length = 0;
    receiver.metrics.length = 0;
    receiver.requests.length = 0;
  });
  afterAll(() => receiver.close());

  it('costs nothing when off: no hooks, no-op gauges', async () => {
    telemetry = await createTelemetry({}, {});
    expect(telemetry.enabled).toBe(false);
    expect(telemetry.hooks).toBeUndefined();
    expect(telemetry.metricsHandler).toBeUndefined();
    expect(() => telemetry!.registerGauges({ approvalsPending: () => 1 })()).not.toThrow();
  });

  it('exports session and statement spans over OTLP/HTTP JSON with DB semconv attributes and structure', async () => {
    // Encoded on this thread (the SDK's way); the protobuf test below goes through the export worker.
    telemetry = await createTelemetry({ serviceName: 'gatehouse-test', traces: { exporter: 'otlp-http', endpoint: receiver.url, exportThread: 'main', detail: 'full' } }, {});
    await driveSession(telemetry.hooks!, outcomes);
    await telemetry.forceFlush();
    expect(receiver.requests).toContain('application/json /v1/traces');
    const spans = receiver.spans;
    const sessions = spans.filter((span) => span.name === 'gatehouse.session');
    expect(sessions).toHaveLength(2);
    const session = sessions.find((span) => span.statusCode !== 2)!;
    expect(session).toMatchObject({ parentSpanId: '', kind: 2, resource: expect.objectContaining({ 'service.name': 'gatehouse-test' }) });
    expect(session.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.namespace': 'shop',
      'server.address': 'db.internal',
      'server.port': 5432,
      'client.address': '127.0.0.1',
      'gatehouse.connection': 'orders',
      'gatehouse.environment': 'prod',
      'gatehouse.principal.id': 'carl',
      'gatehouse.principal.kind': 'agent',
      'gatehouse.client.tls': true,
    });
    const childrenOf = (parent: ReceivedSpan) => spans.filter((span) => span.parentSpanId === parent.spanId && span.traceId === parent.traceId);
    const children = childrenOf(session).map((span) => span.name).sort();
    expect(children).toEqual(['DROP TABLE public.customers', 'SELECT public.customers', 'SELECT public.customers', 'gatehouse.authenticate', 'gatehouse.upstream.connect']);

    const [first, again] = spans.filter((span) => span.name === 'SELECT public.customers').sort((a, b) => a.startMs - b.startMs);
    expect(first!.kind).toBe(3);
    expect(first!.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.namespace': 'shop',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'public.customers',
      'db.query.summary': 'SELECT public.customers',
      'db.response.returned_rows': 2,
      'server.address': 'db.internal',
      'server.port': 5432,
      'gatehouse.decision.effect': 'allow',
      'gatehouse.policy.rules': ['app-reads'],
      'gatehouse.risk.score': 1,
      'gatehouse.principal.id': 'carl',
      'gatehouse.principal.kind': 'agent',
      'gatehouse.connection': 'orders',
      'gatehouse.environment': 'prod',
      'gatehouse.masking.masked_values': 3,
      'gatehouse.approval.id': 'apr-7',
      'gatehouse.gate.result': 'proceed',
      'gatehouse.statement.result': 'ok',
    });
    expect(first!.attributes['db.query.text']).toMatch(/^SELECT name, email FROM customers WHERE id = \$?\?|^SELECT/);
    expect(JSON.stringify(receiver.bodies)).not.toContain('ann@example.com');
    expect(first!.events.map((event) => event.name)).toEqual(['gatehouse.policy.decision']);
    expect(first!.events[0]!.attributes).toMatchObject({ 'gatehouse.decision.effect': 'allow', 'gatehouse.policy.rules': ['app-reads'] });
    expect(childrenOf(first!).map((span) => span.name).sort()).toEqual(['gatehouse.gate.wait', 'gatehouse.upstream.round_trip']);
    const wait = childrenOf(first!).find((span) => span.name === 'gatehouse.gate.wait')!;
    expect(wait.endMs - wait.startMs).toBeGreaterThanOrEqual(10);

    expect(again!.attributes).toMatchObject({ 'db.response.status_code': '57014', 'error.type': '57014', 'gatehouse.statement.result': 'error' });
    expect(again!.statusCode).toBe(2);

    const denied = spans.find((span) => span.name === 'DROP TABLE public.customers')!;
    expect(denied.attributes).toMatchObject({ 'gatehouse.decision.effect': 'deny', 'gatehouse.gate.result': 'policy', 'error.type': 'gatehouse.policy', 'gatehouse.statement.result': 'blocked' });
    expect(denied.statusCode).toBe(2);
    // Never went upstream (a gate.wait child may appear when the machine is slow: the gate took ≥ 1 ms).
    expect(childrenOf(denied).map((span) => span.name)).not.toContain('gatehouse.upstream.round_trip');

    const refused = sessions.find((span) => span.statusCode === 2)!;
    expect(refused.attributes).toMatchObject({ 'error.type': 'identity.expired', 'gatehouse.session.id': 's-2' });
    expect(childrenOf(refused).map((span) => span.name)).toEqual(['gatehouse.authenticate']);
  });

  it('exports spans and metrics as OTLP/HTTP protobuf', async () => {
    telemetry = await createTelemetry(
      { traces: { exporter: 'otlp-proto', endpoint: receiver.url, exportThread: 'worker' }, metrics: { exporter: 'otlp-proto', endpoint: receiver.url, intervalMs: 60_000 } },
      {},
    );
    const unregister = telemetry.registerGauges({ approvalsPending: () => Promise.resolve(4), auditQueueDepth: () => 0, auditDropped: () => 0 });
    await driveSession(telemetry.hooks!, outcomes);
    await telemetry.forceFlush();
    expect(receiver.requests).toEqual(expect.arrayContaining(['application/x-protobuf /v1/traces', 'application/x-protobuf /v1/metrics']));
    const session = receiver.spans.find((span) => span.name === 'gatehouse.session' && span.statusCode !== 2)!;
    const statement = receiver.spans.find((span) => span.name === 'SELECT public.customers')!;
    expect(statement.parentSpanId).toBe(session.spanId);
    expect(statement.traceId).toBe(session.traceId);
    expect(statement.attributes['db.collection.name']).toBe('public.customers');

    const metrics = await eventually(() => {
      const latest = latestMetrics(receiver.metrics);
      expect(latest.has('db.client.operation.duration')).toBe(true);
      return latest;
    });
    const duration = metrics.get('db.client.operation.duration')!;
    expect(duration).toMatchObject({ type: 'histogram', unit: 's' });
    expect(duration.points[0]!.bounds).toEqual([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]);
    expect(duration.points.reduce((sum, point) => sum + point.count!, 0)).toBe(2); // the refused statement never ran
    expect(duration.points.map((point) => point.attributes)).toContainEqual({
      'db.system.name': 'postgresql',
      'db.namespace': 'shop',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'public.customers',
      'server.address': 'db.internal',
      'server.port': 5432,
      'gatehouse.connection': 'orders',
    });
    const values = (name: string) => metrics.get(name)!.points.map((point) => [point.attributes, point.value]);
    expect(values('gatehouse.policy.decisions')).toEqual(
      expect.arrayContaining([
        [{ 'gatehouse.connection': 'orders', 'gatehouse.decision.effect': 'allow', 'gatehouse.policy.rules': 'app-reads' }, 1],
        [{ 'gatehouse.connection': 'orders', 'gatehouse.decision.effect': 'deny', 'gatehouse.policy.rules': 'no-ddl' }, 1],
      ]),
    );
    expect(values('gatehouse.authentication.failures')).toEqual([[{ 'gatehouse.connection': 'orders', 'error.type': 'identity.expired' }, 1]]);
    expect(values('gatehouse.sessions.active')).toEqual([[{ 'gatehouse.connection': 'orders', 'db.system.name': 'postgresql' }, 0]]);
    expect(values('gatehouse.masking.masked_values')).toEqual([[{ 'gatehouse.connection': 'orders' }, 3]]);
    expect(values('gatehouse.approvals.pending')).toEqual([[{}, 4]]);
    expect(values('gatehouse.audit.dropped')).toEqual([[{}, 0]]);
    expect(values('gatehouse.client.io')).toEqual(
      expect.arrayContaining([
        [{ 'gatehouse.connection': 'orders', 'network.io.direction': 'receive' }, 1200],
        [{ 'gatehouse.connection': 'orders', 'network.io.direction': 'transmit' }, 3400],
      ]),
    );
    unregister();
  });

  it('serves /metrics in Prometheus text format on its own listener and through the handler', async () => {
    telemetry = await createTelemetry({ prometheus: { listen: { host: '127.0.0.1', port: 0 } } }, {});
    expect(telemetry.prometheusAddress?.port).toBeGreaterThan(0);
    telemetry.registerGauges({ auditQueueDepth: () => 7 });
    await driveSession(telemetry.hooks!, outcomes);
    const url = `http://127.0.0.1:${telemetry.prometheusAddress!.port}`;
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    const families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
    // This exporter version keeps the OTel name (the unit goes to a `# UNIT` line, not a suffix).
    const duration = families.get('db_client_operation_duration')!;
    expect(duration.type).toBe('HISTOGRAM');
    // parse-prometheus-text-format flattens the series of a labelled histogram into one (a known
    // defect of its histogram grouping): the bucket bounds survive, per-series counts are checked
    // on the exposition lines and over OTLP (the protobuf test above).
    expect(Object.keys(duration.metrics[0]!.buckets!).sort()).toEqual(['0.001', '0.005', '0.01', '0.05', '0.1', '0.5', '1', '5', '10', '+Inf'].sort());
    const counts = text.split('\n').filter((line) => line.startsWith('db_client_operation_duration_count{'));
    expect(counts.map((line) => Number(line.split(' ').at(-1))).reduce((a, b) => a + b, 0)).toBe(2);
    const decisions = families.get('gatehouse_policy_decisions_total')!;
    expect(decisions.type).toBe('COUNTER');
    expect(decisions.metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: expect.objectContaining({ gatehouse_decision_effect: 'deny', gatehouse_policy_rules: 'no-ddl' }), value: '1' }),
      ]),
    );
    expect(families.get('gatehouse_audit_queue_depth')?.metrics[0]?.value).toBe('7');
    expect(families.get('gatehouse_authentication_failures_total')?.metrics[0]?.labels).toMatchObject({ error_type: 'identity.expired' });
    expect((await fetch(`${url}/other`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it.each(['otlp-http', 'otlp-proto'] as const)('exports audit events as OTLP logs (%s)', async (exporter) => {
    telemetry = await createTelemetry({ logs: { exporter, endpoint: receiver.url } }, {});
    expect(telemetry.hooks).toBeUndefined(); // logs alone add nothing to the statement path
    const forwarder = telemetry.auditForwarder!;
    await forwarder.write([
      {
        type: 'statement',
        at: '2026-01-02T03:04:05.678Z',
        seq: 7,
        hash: 'ab12',
        sessionId: 's-1',
        principal: { id: 'carl', groups: ['app'], kind: 'agent', via: 'gateway-token' },
        redactedText: 'SELECT * FROM customers WHERE email = ?',
        actions: [{ category: 'read', operation: 'SELECT', objects: [{ name: 'shop.public.customers', kind: 'table', access: 'read' }], flags: [], fingerprint: 'f' }],
        decision: { effect: 'deny', rules: ['no-pii'], reason: 'denied by rule no-pii', risk: { score: 5, factors: ['pii'] } },
      } as never,
      { type: 'session.end', at: '2026-01-02T03:04:06.000Z', seq: 8, sessionId: 's-1', durationMs: 1200, statements: 1 } as never,
    ]);
    await forwarder.close();
    expect(receiver.requests).toContain(`${exporter === 'otlp-http' ? 'application/json' : 'application/x-protobuf'} /v1/logs`);
    const [statement, end] = receiver.logs;
    expect(statement).toMatchObject({ eventName: 'gatehouse.audit.statement', severityText: 'WARN', body: 'statement' });
    expect(Math.round(statement!.timeMs)).toBe(Date.parse('2026-01-02T03:04:05.678Z'));
    expect(statement!.attributes).toMatchObject({
      'gatehouse.audit.seq': 7,
      'gatehouse.audit.principal.id': 'carl',
      'gatehouse.audit.principal.groups': ['app'],
      'gatehouse.audit.redactedText': 'SELECT * FROM customers WHERE email = ?',
      'gatehouse.audit.decision.effect': 'deny',
      'gatehouse.audit.decision.risk.score': 5,
    });
    expect(JSON.parse(String(statement!.attributes['gatehouse.audit.actions']))).toHaveLength(1);
    expect(end).toMatchObject({ eventName: 'gatehouse.audit.session.end', severityText: 'INFO' });
    expect(receiver.logs[0]!.resource['service.name']).toBe('gatehouse');
    receiver.logs.length = 0;
  });

  it('starts the gRPC exporters and shuts down cleanly with nothing listening', async () => {
    telemetry = await createTelemetry(
      { traces: { exporter: 'otlp-grpc', endpoint: 'http://127.0.0.1:1' }, metrics: { exporter: 'otlp-grpc', endpoint: 'http://127.0.0.1:1' }, logs: { exporter: 'otlp-grpc', endpoint: 'http://127.0.0.1:1' } },
      {},
    );
    expect(telemetry.enabled).toBe(true);
    await telemetry.shutdown();
  });
});
