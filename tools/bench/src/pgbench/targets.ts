import type { PostgresServer } from '@gatehouse/testkit';
import { startTcpRelay } from '../tcp-relay.js';
import { startBenchGateway } from './gatehouse-gateway.js';
import type { BenchAuditStats } from './gatehouse-gateway.js';
import type { PgbenchEndpoint } from './pgbench-client.js';
import { startPgbouncer } from './pgbouncer.js';
import { ownCpu } from './process-cpu.js';
import type { CpuTime } from './process-cpu.js';

/** Gatehouse with the audit trail or telemetry on (overhead-bench.ts); `gatehouse` is both off. */
export type OverheadVariant = 'audit-async' | 'audit-before-forward' | 'telemetry-100%';

export type TargetName = 'direct' | 'relay' | 'pgbouncer' | 'gatehouse' | OverheadVariant;

/** Something pgbench can be pointed at, and how to take it down again. */
export interface PgbenchTarget {
  readonly name: TargetName;
  readonly endpoint: PgbenchEndpoint;
  /** Version or setup detail for the report. */
  readonly detail: string;
  /** CPU used so far by the proxy in the path (none for direct): cost per transaction, which load on the machine disturbs far less than TPS. */
  cpu?(): CpuTime;
  /** The audit trail's counters, for targets that audit. */
  auditStats?(): BenchAuditStats;
  /** Resolves once the target has no audit work queued (between runs). */
  settle?(): Promise<void>;
  /** Tail of the target's own log, when it has one, for failed runs. */
  diagnose?(): string;
  stop(): Promise<void>;
}

/** pgbench's client count; pgbouncer gets as many server connections, so nobody queues. */
export const PGBENCH_CLIENTS = 4;

export function directTarget(server: PostgresServer, sslmode: 'disable' | 'require'): PgbenchTarget {
  return {
    name: 'direct',
    endpoint: { port: server.port, user: server.user, password: server.password, database: server.database, sslmode },
    detail: `PostgreSQL ${server.version}`,
    stop: async () => undefined,
  };
}

export async function relayTarget(server: PostgresServer): Promise<PgbenchTarget> {
  const relay = await startTcpRelay(server);
  return {
    name: 'relay',
    endpoint: { port: relay.port, user: server.user, password: server.password, database: server.database, sslmode: 'disable' },
    detail: `node ${process.version} net.Socket pipe both ways`,
    cpu: ownCpu,
    stop: () => relay.stop(),
  };
}

export async function pgbouncerTarget(server: PostgresServer): Promise<PgbenchTarget> {
  const pgbouncer = await startPgbouncer(server, PGBENCH_CLIENTS);
  return {
    name: 'pgbouncer',
    endpoint: { port: pgbouncer.port, user: server.user, password: server.password, database: server.database, sslmode: 'disable' },
    detail: `${pgbouncer.version}, pool_mode=transaction, pool size ${PGBENCH_CLIENTS}`,
    cpu: () => pgbouncer.cpu(),
    diagnose: () => pgbouncer.logTail(),
    stop: () => pgbouncer.stop(),
  };
}

export async function gatehouseTarget(server: PostgresServer, policyFile: string, tls: boolean): Promise<PgbenchTarget> {
  const gateway = await startBenchGateway(server, { policyFile, tls });
  return {
    name: 'gatehouse',
    endpoint: { port: gateway.port, user: gateway.principal, password: gateway.token, database: server.database, sslmode: tls ? 'require' : 'disable' },
    detail: tls ? 'client TLS (dev certificate) + upstream verify-full, demo policy' : 'plaintext loopback + upstream sslmode disable, demo policy',
    cpu: ownCpu,
    diagnose: () => gateway.logTail(),
    stop: () => gateway.stop(),
  };
}

/**
 * Gatehouse (plaintext, demo policy) with one extra cost switched on: the audit trail on the
 * embedded store in `async` or `before-forward` mode, or telemetry with every session sampled and
 * spans and metrics exported in batches to `otlpEndpoint`.
 */
export async function gatehouseVariantTarget(server: PostgresServer, policyFile: string, variant: OverheadVariant, otlpEndpoint?: string): Promise<PgbenchTarget> {
  const gateway = await startBenchGateway(server, {
    policyFile,
    tls: false,
    ...(variant === 'audit-async' ? { audit: 'async' as const } : {}),
    ...(variant === 'audit-before-forward' ? { audit: 'before-forward' as const } : {}),
    ...(variant === 'telemetry-100%' ? { otlpEndpoint: otlpEndpoint ?? 'http://127.0.0.1:4318' } : {}),
  });
  const details: Record<OverheadVariant, string> = {
    'audit-async': 'audit trail on the embedded store (segment log written by a worker thread, PGlite index fed off the append path), durability async',
    'audit-before-forward': 'audit trail on the embedded store, durability before-forward (each statement committed and fsynced before it runs; group commit)',
    'telemetry-100%': 'traces sampled at 100% and metrics, batch-exported over OTLP/HTTP protobuf to a local receiver (another process)',
  };
  return {
    name: variant,
    endpoint: { port: gateway.port, user: gateway.principal, password: gateway.token, database: server.database, sslmode: 'disable' },
    detail: details[variant],
    cpu: ownCpu,
    ...(gateway.auditStats ? { auditStats: gateway.auditStats } : {}),
    ...(gateway.auditDrained ? { settle: gateway.auditDrained } : {}),
    diagnose: () => gateway.logTail(),
    stop: () => gateway.stop(),
  };
}
