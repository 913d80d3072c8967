import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { createLogger } from '@gatehouse/proxy';
import type { MssqlServer } from '@gatehouse/testkit';
// As in pgbench/gatehouse-gateway.ts: apps/gateway exports only its CLI, so the composition root
// is imported from its file (type-checked through the project reference, run from source by tsx).
// eslint-disable-next-line @nx/enforce-module-boundaries -- temporary, see above
import type { GatewayConfig } from '../../../../apps/gateway/src/config/gateway-config.js';
// eslint-disable-next-line @nx/enforce-module-boundaries -- temporary, see above
import { startGateway } from '../../../../apps/gateway/src/runtime/start-gateway.js';

/** Reads and writes for the app (no masks), as a service behind the gateway would be allowed. */
const BENCH_POLICY = `
version: 1
rules:
  - id: no-drop
    effect: deny
    when: { action: { operation: [DROP TABLE] } }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

export interface MssqlBenchGateway {
  readonly port: number;
  readonly user: string;
  readonly token: string;
  stop(): Promise<void>;
}

/**
 * Gatehouse as the app composes it (`startGateway`: the adapter registry's `mssql` entry, policy,
 * masking, identity, logging at info to a file) with one `dialect: mssql` connection in front of
 * `server`. Clients speak TLS to the gateway (tedious always encrypts towards it) and the gateway
 * speaks TLS upstream (`tls: require`), so the direct and relay targets are run with TLS too.
 */
export async function startMssqlBenchGateway(server: MssqlServer): Promise<MssqlBenchGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mssql-bench-'));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, BENCH_POLICY);
  const signingKeyFile = join(dir, 'gateway-signing-key.pem');
  const config = {
    file: join(dir, 'bench-config (built in code)'),
    policy,
    identity: { signingKey: signingKeyFile, rateLimit: { maxFailures: 50, windowMs: 60_000 } },
    masking: { hashKey: 'bench-hash-key' },
    connections: [
      {
        name: 'sales',
        dialect: 'mssql',
        environment: 'prod',
        listen: { host: '127.0.0.1', port: 0 },
        allowPlaintextOnLoopback: false,
        upstream: { host: server.host, port: server.port, database: server.database, user: server.user, password: server.password, tls: { mode: server.tls ? 'require' : 'disable' } },
      },
    ],
    shutdown: { drainTimeoutMs: 2_000 },
    log: { level: 'info' },
  } as GatewayConfig;
  const logger = createLogger({ level: 'info', destination: join(dir, 'gateway.log') });
  const gateway = await startGateway(config, logger);
  const signingKey = await loadOrCreateSigningKey(signingKeyFile);
  const user = 'orders-service';
  const token = await issueGatewayToken(signingKey, { user, groups: ['app'], kind: 'service', ttl: '2h' });
  return {
    port: gateway.listeners[0]!.address.port,
    user,
    token,
    async stop() {
      await gateway.drain();
      logger.flush();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
