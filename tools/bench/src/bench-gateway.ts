import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayConfig } from '@gatehouse/gateway';
import { startGateway } from '@gatehouse/gateway';
import { issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { createLogger } from '@gatehouse/proxy';

/** The principal the benches log in as: group `app`, which every bench policy allows. */
export const BENCH_PRINCIPAL = 'orders-service';

export interface BenchGateway {
  readonly port: number;
  readonly user: string;
  /** A gateway token for BENCH_PRINCIPAL. */
  readonly token: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

export interface BenchGatewayOptions {
  /** A policy file, or the policy's YAML (written to the gateway's temporary directory). */
  readonly policy: { readonly file: string } | { readonly yaml: string };
  readonly connection: GatewayConfig['connections'][number];
}

/**
 * Gatehouse as the app composes it (`startGateway`: classifier, policy, masking, identity, logging at
 * info, as deployed, into a file so the report on stdout stays clean) with one connection.
 */
export async function startBenchGateway(options: BenchGatewayOptions): Promise<BenchGateway> {
  const dir = mkdtempSync(join(tmpdir(), `gatehouse-bench-${options.connection.dialect}-`));
  let policy: string;
  if ('file' in options.policy) policy = options.policy.file;
  else {
    policy = join(dir, 'policy.yaml');
    writeFileSync(policy, options.policy.yaml);
  }
  const signingKeyFile = join(dir, 'gateway-signing-key.pem');
  const logFile = join(dir, 'gateway.log');
  const config: GatewayConfig = {
    file: join(dir, 'bench-config (built in code)'),
    policy,
    identity: { signingKey: signingKeyFile, rateLimit: { maxFailures: 50, windowMs: 60_000 } },
    masking: { hashKey: 'bench-hash-key' },
    connections: [options.connection],
    shutdown: { drainTimeoutMs: 2_000 },
    log: { level: 'info' },
  };
  const logger = createLogger({ level: config.log.level, destination: logFile });
  const gateway = await startGateway(config, logger);
  try {
    const signingKey = await loadOrCreateSigningKey(signingKeyFile);
    const token = await issueGatewayToken(signingKey, { user: BENCH_PRINCIPAL, groups: ['app'], kind: 'service', ttl: '2h' });
    return {
      port: gateway.listeners[0]!.address.port,
      user: BENCH_PRINCIPAL,
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
