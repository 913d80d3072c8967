import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { createScanner, defaultDetectors } from '@gatehouse/masking';
import { eventually, latestMetrics, parsePrometheusText, startOtlpReceiver } from '@gatehouse/telemetry/testing';
import type { AttributeValue, OtlpReceiver, ReceivedSpan } from '@gatehouse/telemetry/testing';
import { startPostgres } from '@gatehouse/testkit';
import type { PostgresServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../config/gateway-config.js';
import { startGateway } from './start-gateway.js';
import type { RunningGateway } from './start-gateway.js';

const POLICY = `version: 1
rules:
  - id: sessions
    effect: allow
    when: { action: { category: [session, transaction] } }
  - id: app-reads
    effect: allow
    when: { principal: { groups: [app] }, action: { category: [read] } }
    mask:
      columns: { "*.*.customers.email": partial, "*.*.customers.ssn": redact }
      detect: [credit_card]
  - id: app-writes
    effect: allow
    when: { principal: { groups: [app] }, action: { operation: [INSERT, UPDATE] } }
  - id: no-ddl
    effect: deny
    when: { action: { category: [ddl] } }
`;

/** PII seeded into the database and sent in statements: none of it may leave in telemetry or logs. */
const SEEDED = {
  email: 'margaret.hale.4417@example.com',
  ssn: '536-22-8817',
  card: '4556 7375 8689 9855',
  phone: '+44 20 7946 0958',
  iban: 'GB82WEST12345698765432',
  newEmail: 'oliver.twist.2290@example.org',
  newCard: '5425 2334 3010 9903',
  newPhone: '+1 415 555 0137',
};

/**
 * Telemetry end to end: the `pg` driver runs statements through the gateway (as `startGateway`
 * wires it from configuration) in front of a real PostgreSQL; a real OTLP/HTTP receiver in this
 * process gets the traces and metrics, /metrics is scraped and parsed, and everything exported or
 * logged is scanned for the seeded PII.
 */
// Traces over OTLP/HTTP JSON (SDK statement spans) and protobuf (the lean statement-span encoder).
describe.each(['otlp-http', 'otlp-proto'] as const)('telemetry through the gateway, traces over %s', (tracesExporter) => {
  let server: PostgresServer;
  let receiver: OtlpReceiver;
  let gateway: RunningGateway;
  let dir: string;
  let port: number;
  let token: string;
  let prometheusText = '';
  /** The same scrape from the admin listener's /metrics (the handler mounted there). */
  let adminMetricsText = '';
  const logLines: string[] = [];

  async function client(password = token): Promise<pg.Client> {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'carl', password, database: server.database, ssl: false });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }

  beforeAll(async () => {
    server = await startPostgres({ tls: false });
    const setup = new pg.Client({ connectionString: server.connectionString({ sslmode: 'disable' }) });
    await setup.connect();
    await setup.query('CREATE TABLE customers (id int PRIMARY KEY, name text, email text UNIQUE, ssn text, card text, phone text, iban text)');
    await setup.query('INSERT INTO customers VALUES (1, $1, $2, $3, $4, $5, $6)', ['Margaret Hale', SEEDED.email, SEEDED.ssn, SEEDED.card, SEEDED.phone, SEEDED.iban]);
    await setup.end();

    receiver = await startOtlpReceiver();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-telemetry-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    const config: GatewayConfig = {
      file: join(dir, 'gatehouse.yaml'),
      policy: join(dir, 'policy.yaml'),
      identity: { signingKey: join(dir, 'gateway.pem'), rateLimit: { maxFailures: 100, windowMs: 60_000 } },
      masking: { hashKey: 'h'.repeat(32) },
      connections: [
        {
          name: 'crm',
          dialect: 'postgres',
          environment: 'prod',
          listen: { host: '127.0.0.1', port: 0 },
          allowPlaintextOnLoopback: true,
          upstream: { host: server.host, port: server.port, database: server.database, user: server.user, password: server.password, tls: { mode: 'disable' } },
          // The audit write is awaited before forwarding: a real gate wait for the traces to show.
          auditDurability: 'before-forward',
        },
      ],
      audit: {
        store: { kind: 'postgres', connectionString: server.connectionString({ sslmode: 'disable' }) },
        durability: 'async',
        signingKey: join(dir, 'audit-checkpoint.pem'),
        digestKey: 'd'.repeat(40),
      },
      shutdown: { drainTimeoutMs: 2000 },
      log: { level: 'debug' },
      admin: { listen: { host: '127.0.0.1', port: 0 }, roleGroups: { admin: [], approver: [], auditor: [] } },
      telemetry: {
        serviceName: 'gatehouse-e2e',
        // Full detail: every sub-span and attribute on every statement, whatever the machine's speed
        // (statement detail, the default, is covered in packages/telemetry), so the PII scan below
        // sees the most the gateway can export; spans go through the export worker whatever the cores.
        traces: { exporter: tracesExporter, endpoint: receiver.url, sampleRatio: 1, detail: 'full', exportThread: 'worker' },
        metrics: { exporter: 'otlp-http', endpoint: receiver.url, intervalMs: 60_000 },
        logs: { exporter: 'otlp-proto', endpoint: receiver.url },
        prometheus: { listen: { host: '127.0.0.1', port: 0 } },
      },
    };
    // Every log line of the run, at debug (statement decisions included), kept for the PII scan.
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
        done();
      },
    });
    gateway = await startGateway(config, pino({ level: 'debug' }, sink));
    port = gateway.listeners[0]!.address.port;
    const key = await loadOrCreateSigningKey(join(dir, 'gateway.pem'));
    token = await issueGatewayToken(key, { user: 'carl', groups: ['app'], kind: 'agent', ttl: '1h' });

    // The workload: reads (literal and bound PII), writes, an upstream error carrying PII in its
    // message, a refused DDL, and a refused login.
    const c = await client();
    await c.query(`SELECT name, email, ssn, card FROM customers WHERE email = '${SEEDED.email}'`);
    await c.query('SELECT name, phone, iban FROM customers WHERE ssn = $1', [SEEDED.ssn]);
    await c.query(`INSERT INTO customers VALUES (2, 'Oliver Twist', '${SEEDED.newEmail}', '219-09-9999', '${SEEDED.newCard}', '${SEEDED.newPhone}', 'DE89370400440532013000')`);
    await c.query('UPDATE customers SET phone = $1 WHERE email = $2', [SEEDED.newPhone, SEEDED.email]);
    await expect(c.query(`INSERT INTO customers (id, email) VALUES (3, '${SEEDED.email}')`)).rejects.toMatchObject({ code: '23505' });
    await expect(c.query('DROP TABLE customers')).rejects.toMatchObject({ code: '42501' });
    await c.end();
    await expect(client('not-a-token')).rejects.toThrow();

    await eventually(() => expect(gateway.telemetry.hooks).toBeDefined());
    // The session span ends when the relay notices the client left.
    await eventually(async () => {
      await gateway.telemetry.forceFlush();
      expect(receiver.spans.filter((span) => span.name === 'gatehouse.session' && span.statusCode !== 2)).toHaveLength(1);
    });
    prometheusText = await (await fetch(`http://127.0.0.1:${gateway.telemetry.prometheusAddress!.port}/metrics`)).text();
    const adminScrape = await fetch(`${gateway.admin!.url}/metrics`);
    expect(adminScrape.status).toBe(200);
    expect(adminScrape.headers.get('content-type')).toMatch(/^text\/plain/);
    adminMetricsText = await adminScrape.text();
  }, 180_000);

  afterAll(async () => {
    await gateway?.drain();
    await receiver?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const byName = (name: string): ReceivedSpan[] => receiver.spans.filter((span) => span.name === name);
  const childrenOf = (parent: ReceivedSpan): ReceivedSpan[] => receiver.spans.filter((span) => span.parentSpanId === parent.spanId && span.traceId === parent.traceId);

  it('traces the session with its authentication, upstream login and statements as children', () => {
    const [session] = byName('gatehouse.session').filter((span) => span.statusCode !== 2);
    expect(session).toMatchObject({ parentSpanId: '', kind: 2 });
    expect(session!.resource['service.name']).toBe('gatehouse-e2e');
    expect(session!.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.namespace': server.database,
      'server.address': server.host,
      'server.port': server.port,
      'gatehouse.connection': 'crm',
      'gatehouse.environment': 'prod',
      'gatehouse.principal.id': 'carl',
      'gatehouse.principal.kind': 'agent',
      'gatehouse.client.tls': false,
    });
    const names = childrenOf(session!).map((span) => span.name);
    expect(names).toEqual(expect.arrayContaining(['gatehouse.authenticate', 'gatehouse.upstream.connect', 'SELECT public.customers', 'INSERT public.customers', 'UPDATE public.customers', 'DROP TABLE public.customers']));
    for (const child of childrenOf(session!)) {
      expect(child.startMs).toBeGreaterThanOrEqual(session!.startMs - 1);
      expect(child.endMs).toBeLessThanOrEqual(session!.endMs + 1);
    }
  });

  it('gives statement spans the database semantic conventions and the decision', () => {
    const reads = byName('SELECT public.customers');
    expect(reads.length).toBeGreaterThanOrEqual(2);
    const read = reads.find((span) => String(span.attributes['db.query.text']).includes('ssn, card'))!;
    expect(read.kind).toBe(3);
    expect(read.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.namespace': server.database,
      'db.operation.name': 'SELECT',
      'db.collection.name': 'public.customers',
      'db.query.summary': 'SELECT public.customers',
      'db.response.returned_rows': 1,
      'server.address': server.host,
      'server.port': server.port,
      'gatehouse.decision.effect': 'allow',
      'gatehouse.policy.rules': ['app-reads'],
      'gatehouse.principal.id': 'carl',
      'gatehouse.principal.kind': 'agent',
      'gatehouse.connection': 'crm',
      'gatehouse.environment': 'prod',
      'gatehouse.statement.result': 'ok',
    });
    expect(read.attributes['gatehouse.masking.masked_values']).toBeGreaterThanOrEqual(3); // email, ssn, card
    expect(typeof read.attributes['gatehouse.risk.score']).toBe('number');
    expect(read.events.map((event) => event.name)).toEqual(['gatehouse.policy.decision']);
    expect(childrenOf(read).map((span) => span.name)).toContain('gatehouse.upstream.round_trip');

    const failed = byName('INSERT public.customers').find((span) => span.attributes['gatehouse.statement.result'] === 'error')!;
    expect(failed.attributes).toMatchObject({ 'db.response.status_code': '23505', 'error.type': '23505' });
    expect(failed.statusCode).toBe(2);
    expect(failed.statusMessage).toBe('');

    const [drop] = byName('DROP TABLE public.customers');
    expect(drop!.attributes).toMatchObject({ 'gatehouse.decision.effect': 'deny', 'gatehouse.policy.rules': ['no-ddl'], 'error.type': 'gatehouse.policy', 'gatehouse.statement.result': 'blocked' });
    expect(childrenOf(drop!).map((span) => span.name)).not.toContain('gatehouse.upstream.round_trip'); // never went upstream
  });

  it('shows the audit gate (composed with telemetry) as a gate wait, and exports the audit events as OTLP logs', async () => {
    const read = byName('SELECT public.customers')[0]!;
    expect(read.attributes['gatehouse.gate.result']).toBe('proceed');
    expect(receiver.spans.some((span) => span.name === 'gatehouse.gate.wait')).toBe(true);
    expect(gateway.controlPlane.trail).toBeDefined();
    await gateway.controlPlane.trail!.drain();
    await eventually(async () => {
      await gateway.telemetry.forceFlush();
      const names = receiver.logs.map((log) => log.eventName);
      expect(names).toEqual(expect.arrayContaining(['gatehouse.audit.session.start', 'gatehouse.audit.statement', 'gatehouse.audit.statement.result', 'gatehouse.audit.auth.refused']));
    });
    const statement = receiver.logs.find((log) => log.eventName === 'gatehouse.audit.statement' && String(log.attributes['gatehouse.audit.redactedText']).startsWith('DROP'))!;
    expect(statement.attributes).toMatchObject({ 'gatehouse.audit.decision.effect': 'deny', 'gatehouse.audit.principal.id': 'carl', 'gatehouse.audit.connection': 'crm' });
    expect(statement.severityText).toBe('WARN');
  });

  it('traces a refused login as a failed session with its authentication step', () => {
    const [refused] = byName('gatehouse.session').filter((span) => span.statusCode === 2);
    expect(refused!.attributes['error.type']).toMatch(/^identity\./);
    expect(childrenOf(refused!).map((span) => span.name)).toEqual(['gatehouse.authenticate']);
  });

  it('exports metrics over OTLP and serves them to Prometheus', async () => {
    await gateway.telemetry.forceFlush();
    const metrics = await eventually(() => {
      const latest = latestMetrics(receiver.metrics);
      expect(latest.get('db.client.operation.duration')).toBeDefined();
      return latest;
    });
    const duration = metrics.get('db.client.operation.duration')!;
    expect(duration.unit).toBe('s');
    // Five statements reached the database (two reads, two writes, the failed insert); the DROP did not.
    expect(duration.points.reduce((sum, point) => sum + point.count!, 0)).toBe(5);
    const authFailures = metrics.get('gatehouse.authentication.failures')!;
    expect(authFailures.points.reduce((sum, point) => sum + point.value!, 0)).toBe(1);
    expect(metrics.get('gatehouse.client.io')!.points.map((point) => point.attributes['network.io.direction']).sort()).toEqual(['receive', 'transmit']);

    const families = parsePrometheusText(prometheusText);
    expect(families.get('db_client_operation_duration')?.type).toBe('HISTOGRAM');
    const decisions = families.get('gatehouse_policy_decisions_total')!;
    expect(decisions.type).toBe('COUNTER');
    const count = (effect: string, rules: string) =>
      decisions.metrics
        .filter((sample) => sample.labels?.['gatehouse_decision_effect'] === effect && sample.labels?.['gatehouse_policy_rules'] === rules)
        .reduce((sum, sample) => sum + Number(sample.value), 0);
    expect(count('allow', 'app-reads')).toBe(2);
    expect(count('allow', 'app-writes')).toBe(3);
    expect(count('deny', 'no-ddl')).toBe(1);
    expect(families.get('gatehouse_masking_masked_values_total')!.metrics[0]!.value).toMatch(/^[1-9]/);
    expect(families.get('gatehouse_sessions_active')!.metrics[0]!.value).toBe('0');
  });

  it('serves /metrics on the admin listener: real traffic, parsed by a Prometheus text-format parser', async () => {
    const families = parsePrometheusText(adminMetricsText);
    const duration = families.get('db_client_operation_duration')!;
    expect(duration.type).toBe('HISTOGRAM');
    // The five statements that reached PostgreSQL, labelled the semconv way (no statement text, no
    // value). The parser flattens a labelled histogram's series into one, so per-series counts and
    // labels are read from the `_count` exposition lines.
    const series = adminMetricsText
      .split('\n')
      .map((line) => /^db_client_operation_duration_count\{(.*)\} (\d+)/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => ({ labels: Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1]!, pair[2]!])), count: Number(match[2]) }));
    expect(series.reduce((sum, one) => sum + one.count, 0)).toBe(5);
    expect(series.map((one) => one.labels)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ db_system_name: 'postgresql', db_operation_name: 'SELECT', db_collection_name: 'public.customers', gatehouse_connection: 'crm', server_port: String(server.port) }),
        expect.objectContaining({ db_operation_name: 'INSERT', error_type: '23505', db_response_status_code: '23505' }),
      ]),
    );
    const decisions = families.get('gatehouse_policy_decisions_total')!;
    expect(decisions.metrics.find((sample) => sample.labels?.['gatehouse_decision_effect'] === 'deny')?.labels).toMatchObject({ gatehouse_policy_rules: 'no-ddl', gatehouse_connection: 'crm' });
    expect(families.get('gatehouse_authentication_failures_total')!.metrics[0]!.labels).toMatchObject({ gatehouse_connection: 'crm', error_type: expect.stringMatching(/^identity\./) });
    // The audit trail's queue is read on every scrape; nothing was dropped.
    expect(families.get('gatehouse_audit_dropped_total')?.metrics[0]?.value).toBe('0');
    expect(families.has('gatehouse_audit_queue_depth')).toBe(true);
    // Back-pressure is visible: writes that waited for room (none in this small run).
    expect(families.get('gatehouse_audit_queue_waits_total')?.metrics[0]?.value).toBe('0');
    // No label carries a principal (bounded cardinality, and who ran what belongs in the audit trail).
    expect(adminMetricsText).not.toContain('carl');
    // HEAD works (cheap liveness of the scrape target); other methods do not change anything.
    expect((await fetch(`${gateway.admin!.url}/metrics`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${gateway.admin!.url}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('lets no seeded value out: every exported attribute, metric label and log line is clean', () => {
    const scanner = createScanner(defaultDetectors());
    const seeded = Object.values(SEEDED);
    const normalise = (text: string) => text.replace(/[\s\-+]/g, '').toLowerCase();
    const seededNormalised = seeded.map(normalise);
    // The detectors do recognise the seeded values (so a clean scan means something).
    for (const value of [SEEDED.email, SEEDED.ssn, SEEDED.card, SEEDED.iban, SEEDED.newEmail, SEEDED.newCard]) {
      expect(scanner(`value: ${value}.`).length, value).toBeGreaterThan(0);
    }

    const texts: string[] = [];
    const collect = (value: AttributeValue): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (typeof value === 'string') texts.push(value);
    };
    for (const span of receiver.spans) {
      texts.push(span.name, span.statusMessage);
      Object.values(span.attributes).forEach(collect);
      Object.keys(span.attributes).forEach((key) => texts.push(key));
      for (const event of span.events) Object.values(event.attributes).forEach(collect);
      Object.values(span.resource).forEach(collect);
    }
    for (const metric of receiver.metrics) for (const point of metric.points) Object.values(point.attributes).forEach(collect);
    for (const log of receiver.logs) Object.values(log.attributes).forEach(collect);
    texts.push(...prometheusText.split('\n'), ...adminMetricsText.split('\n'), ...logLines, ...receiver.bodies);
    expect(receiver.spans.length).toBeGreaterThan(10);
    expect(logLines.length).toBeGreaterThan(5);

    const leaks: string[] = [];
    for (const text of texts) {
      // What the detectors find must not be a seeded value…
      for (const match of scanner(text)) {
        const found = normalise(text.slice(match.start, match.end));
        if (seededNormalised.some((value) => value.includes(found) || found.includes(value))) leaks.push(`${match.detector}: ${text.slice(match.start, match.end)}`);
      }
      // …and no seeded value may appear verbatim, detected or not.
      for (const value of seeded) if (text.includes(value)) leaks.push(`verbatim: ${value}`);
      for (const value of seededNormalised) if (normalise(text).includes(value)) leaks.push(`normalised: ${value}`);
    }
    expect(leaks).toEqual([]);
  });
});
