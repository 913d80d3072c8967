import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayConfig } from '@gatehouse/gateway';
import { startGateway } from '@gatehouse/gateway';
import { issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { createLogger } from '@gatehouse/proxy';
import type { MariadbServer } from '@gatehouse/testkit';

/** The principal sysbench logs in as: group `app`, which the demo policy's app-writes rule allows. */
export const MYSQL_BENCH_PRINCIPAL = 'orders-service';

export interface MysqlBenchGateway {
  readonly port: number;
  readonly principal: string;
  /** A gateway token for the principal: sysbench's `--mysql-password`. */
  readonly token: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

/**
 * Gatehouse as the app composes it (`startGateway`: classifier, the demo policy, masking, identity)
 * in this process, one `dialect: mysql` connection in front of `server`. Plaintext on both sides
 * (loopback clients allowed without TLS, upstream `tls: disable`): the same bytes on the wire as the
 * direct and relay targets, so the comparison is about what the gateway does, not about TLS.
 */
export async function startMysqlBenchGateway(server: MariadbServer, policyFile: string): Promise<MysqlBenchGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-mysql-'));
  const signingKeyFile = join(dir, 'gateway-signing-key.pem');
  const logFile = join(dir, 'gateway.log');
  const config: GatewayConfig = {
    file: join(dir, 'bench-config (built in code)'),
    policy: policyFile,
    identity: { signingKey: signingKeyFile, rateLimit: { maxFailures: 50, windowMs: 60_000 } },
    masking: { hashKey: 'bench-hash-key' },
    connections: [
      {
        name: 'orders-mysql',
        dialect: 'mysql',
        environment: 'prod',
        listen: { host: '127.0.0.1', port: 0 },
        allowPlaintextOnLoopback: true,
        upstream: { host: server.host, port: server.port, database: server.database, user: server.user, password: server.password, tls: { mode: 'disable' } },
      },
    ],
    shutdown: { drainTimeoutMs: 2_000 },
    log: { level: 'info' },
  };
  // Logging at info, as deployed, into a file so the report on stdout stays clean.
  const logger = createLogger({ level: config.log.level, destination: logFile });
  const gateway = await startGateway(config, logger);
  try {
    const signingKey = await loadOrCreateSigningKey(signingKeyFile);
    const token = await issueGatewayToken(signingKey, { user: MYSQL_BENCH_PRINCIPAL, groups: ['app'], kind: 'service', ttl: '2h' });
    return {
      port: gateway.listeners[0]!.address.port,
      principal: MYSQL_BENCH_PRINCIPAL,
      token,
      logFile,
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
