import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { createLogger } from '@gatehouse/proxy';
import type { PostgresServer } from '@gatehouse/testkit';
import { logTail } from './log-tail.js';
// apps/gateway exports only its CLI (main.ts); until it exports the composition root, the bench
// imports the file itself. Type-checked through the project reference; run from source by tsx.
import type { GatewayConfig } from '@gatehouse/gateway';
import { startGateway } from '@gatehouse/gateway';

/** The principal pgbench logs in as: group `app`, which the demo policy's app-writes rule allows. */
export const BENCH_PRINCIPAL = 'orders-service';

export interface BenchGateway {
  readonly port: number;
  readonly principal: string;
  /** A gateway token for BENCH_PRINCIPAL: pgbench's password. */
  readonly token: string;
  /** Audit writer counters, when the gateway audits. */
  auditStats?(): BenchAuditStats;
  /** Waits until every queued audit event is committed (so the next run starts level). */
  auditDrained?(): Promise<void>;
  /** The end of the gateway's own log, for diagnosing a failed run. */
  logTail(): string;
  stop(): Promise<void>;
}

export interface BenchGatewayOptions {
  readonly policyFile: string;
  /**
   * false: plaintext on both sides (loopback clients allowed without TLS, upstream sslmode disable),
   * the same bytes on the wire as every other target. true: clients must use TLS (a development
   * certificate) and the upstream is verify-full against the test CA.
   */
  readonly tls: boolean;
  /** An audit trail on the embedded store (as `npm start` runs it) with this durability; absent: no audit. */
  readonly audit?: 'async' | 'before-forward';
  /** Traces (100% sampled) and metrics exported in batches over OTLP/HTTP protobuf to this collector URL; absent: telemetry off. */
  readonly otlpEndpoint?: string;
}

/** What the audit trail did during a run (committed events, back-pressure, drops). */
export interface BenchAuditStats {
  readonly committed: number;
  readonly waits: number;
  readonly dropped: number;
  readonly depth: number;
}

/** What the gateway needs to know of its upstream (a real server, or relay-cost-main.ts's canned one). */
export type BenchUpstream = Pick<PostgresServer, 'host' | 'port' | 'database' | 'user' | 'password' | 'caCertFile'>;

/**
 * Gatehouse as the app composes it (`startGateway`: real classifier, demo policy, masking,
 * identity), in this process, listening on a free loopback port in front of `server`.
 */
export async function startBenchGateway(server: BenchUpstream, options: BenchGatewayOptions): Promise<BenchGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-gw-'));
  const signingKeyFile = join(dir, 'gateway-signing-key.pem');
  const logFile = join(dir, 'gateway.log');
  if (options.tls && !server.caCertFile) throw new Error('the TLS variant needs a server started with TLS');
  const config: GatewayConfig = {
    file: join(dir, 'bench-config (built in code)'),
    policy: options.policyFile,
    identity: { signingKey: signingKeyFile, rateLimit: { maxFailures: 50, windowMs: 60_000 } },
    masking: { hashKey: 'bench-hash-key' },
    connections: [
      {
        name: 'orders',
        dialect: 'postgres',
        environment: 'prod',
        listen: { host: '127.0.0.1', port: 0 },
        allowPlaintextOnLoopback: !options.tls,
        upstream: {
          host: server.host,
          port: server.port,
          database: server.database,
          user: server.user,
          password: server.password,
          tls: options.tls ? { mode: 'verify-full', ca: readFileSync(server.caCertFile!, 'utf8'), serverName: 'localhost' } : { mode: 'disable' },
        },
      },
    ],
    shutdown: { drainTimeoutMs: 2_000 },
    log: { level: 'info' },
    ...(options.audit
      ? {
          audit: {
            store: { kind: 'embedded', dataDir: join(dir, 'control-plane') },
            durability: options.audit,
            signingKey: join(dir, 'audit-checkpoint.pem'),
            digestKey: 'bench-digest-key-0123456789abcdef-0123456789',
          },
        }
      : {}),
    ...(options.otlpEndpoint
      ? {
          telemetry: {
            serviceName: 'gatehouse-bench',
            traces: { exporter: 'otlp-proto', endpoint: options.otlpEndpoint, sampleRatio: 1 },
            metrics: { exporter: 'otlp-proto', endpoint: options.otlpEndpoint, intervalMs: 5_000 },
          },
        }
      : {}),
  };
  // Logging stays on at info, as deployed; it goes to a file so the tables on stdout stay clean.
  const logger = createLogger({ level: config.log.level, destination: logFile });
  const gateway = await startGateway(config, logger);
  try {
    const signingKey = await loadOrCreateSigningKey(signingKeyFile);
    const token = await issueGatewayToken(signingKey, { user: BENCH_PRINCIPAL, groups: ['app'], kind: 'service', ttl: '2h' });
    return {
      port: gateway.listeners[0]!.address.port,
      principal: BENCH_PRINCIPAL,
      token,
      ...(gateway.controlPlane.trail
        ? {
            auditStats: () => {
              const stats = gateway.controlPlane.trail!.stats();
              return { committed: stats.committed, waits: stats.waits, dropped: stats.dropped, depth: stats.depth };
            },
            auditDrained: () => gateway.controlPlane.trail!.drain(),
          }
        : {}),
      logTail: () => logTail(logFile),
      async stop() {
        await gateway.drain();
        logger.flush();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await gateway.drain();
    throw error;
  }
}
