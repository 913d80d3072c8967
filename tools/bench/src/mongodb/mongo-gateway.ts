import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { createLogger } from '@gatehouse/proxy';
import type { MongoServer } from '@gatehouse/testkit';
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
    when: { action: { operation: [drop, dropDatabase] } }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

export interface MongoBenchGateway {
  readonly port: number;
  readonly user: string;
  readonly token: string;
  stop(): Promise<void>;
}

/**
 * Gatehouse as the app composes it (`startGateway`: policy, masking, identity, logging at info to a
 * file) with one `dialect: mongodb` connection in front of `server`. Plaintext on loopback on both
 * sides, so the bytes on the wire match the direct and relay targets (PLAIN is then accepted
 * without TLS, as `allowPlaintextOnLoopback` allows).
 */
export async function startMongoBenchGateway(server: MongoServer): Promise<MongoBenchGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mongo-bench-'));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, BENCH_POLICY);
  const signingKeyFile = join(dir, 'gateway-signing-key.pem');
  const config: GatewayConfig = {
    file: join(dir, 'bench-config (built in code)'),
    policy,
    identity: { signingKey: signingKeyFile, rateLimit: { maxFailures: 50, windowMs: 60_000 } },
    masking: { hashKey: 'bench-hash-key' },
    connections: [
      {
        name: 'docs',
        dialect: 'mongodb',
        environment: 'prod',
        listen: { host: '127.0.0.1', port: 0 },
        allowPlaintextOnLoopback: true,
        upstream: { host: server.host, port: server.port, database: server.authSource ?? 'admin', user: server.user ?? '', password: server.password ?? '', tls: { mode: 'disable' } },
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
