import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PrincipalKind } from '@gatehouse/core';
import { issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { silentLogger } from '@gatehouse/proxy';
import type { Logger } from '@gatehouse/proxy';
import { HASH_KEY_FILE_NAME } from '../config/config-defaults.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { loadOrCreateHashKey } from '../config/hash-key-file.js';
import { startGateway } from '../runtime/start-gateway.js';
import { DEMO_POLICY_FILE } from './demo-files.js';
import { DEMO_IDENTITIES } from './demo-identities.js';
import type { DemoIdentitySpec } from './demo-identities.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { portAvailable } from './port-available.js';
import { DEMO_SEED_SQL } from './seed-sql.js';

export const DEMO_CONNECTION = 'orders';
export const DEMO_DATABASE = 'orders';
export const DEMO_DEFAULT_PORT = 6432;
const DEMO_TOKEN_TTL = '8h';

export interface DemoOptions {
  /** Signing key and masking key live here; default ./.gatehouse/demo (gitignored). */
  readonly stateDir?: string;
  readonly host?: string;
  /** Preferred port (default 6432); when it is taken, any free port. 0: any free port. */
  readonly port?: number;
  readonly logger?: Logger;
  readonly drainTimeoutMs?: number;
}

export interface DemoIdentity extends DemoIdentitySpec {
  readonly token: string;
}

export interface RunningDemo {
  readonly host: string;
  readonly port: number;
  /** True when the preferred port was taken and another one was used. */
  readonly portChanged: boolean;
  readonly database: string;
  readonly stateDir: string;
  readonly identities: readonly DemoIdentity[];
  identity(user: string): DemoIdentity;
  /** Drains the gateway, then stops the embedded database. */
  stop(): Promise<void>;
}

/**
 * The live demo, everything in this process: an embedded PostgreSQL seeded with fake PII, the
 * gateway in front of it (TLS with a development certificate, the demo policy, gateway-issued
 * tokens), and a token per demo identity. Wired through the same startGateway the server uses.
 */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const stateDir = resolve(options.stateDir ?? join('.gatehouse', 'demo'));
  const host = options.host ?? '127.0.0.1';
  const preferredPort = options.port ?? DEMO_DEFAULT_PORT;
  const logger = options.logger ?? silentLogger();

  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const signingKeyPath = join(stateDir, 'gateway.pem');
  const { key: hashKey } = await loadOrCreateHashKey(join(stateDir, HASH_KEY_FILE_NAME));
  const database = await startEmbeddedPostgres(DEMO_SEED_SQL);

  const config = (port: number): GatewayConfig => ({
    file: '(built-in demo configuration)',
    policy: DEMO_POLICY_FILE,
    identity: { signingKey: signingKeyPath, rateLimit: { maxFailures: 20, windowMs: 60_000 } },
    masking: { hashKey },
    connections: [
      {
        name: DEMO_CONNECTION,
        dialect: 'postgres',
        environment: 'prod',
        listen: { host, port },
        allowPlaintextOnLoopback: false,
        upstream: { host: database.host, port: database.port, database: DEMO_DATABASE, user: 'postgres', password: '', tls: { mode: 'disable' } },
      },
    ],
    shutdown: { drainTimeoutMs: options.drainTimeoutMs ?? 5_000 },
    log: { level: 'info' },
    // The embedded control-plane store (PGlite) in the state dir: the demo's trail survives restarts.
    audit: {
      store: { kind: 'embedded', dataDir: join(stateDir, 'control-plane') },
      durability: 'async',
      signingKey: join(stateDir, 'audit-checkpoint.pem'),
    },
  });

  let gateway;
  try {
    // Prefer the well-known port so the printed snippets are the usual ones; fall back to any.
    const usePreferred = preferredPort !== 0 && (await portAvailable(host, preferredPort));
    try {
      gateway = await startGateway(config(usePreferred ? preferredPort : 0), logger);
    } catch (error) {
      if (!usePreferred) throw error;
      gateway = await startGateway(config(0), logger);
    }
  } catch (error) {
    await database.stop();
    throw error;
  }

  const signingKey = await loadOrCreateSigningKey(signingKeyPath);
  const identities = await Promise.all(
    DEMO_IDENTITIES.map(async (spec) => ({
      ...spec,
      token: await issueGatewayToken(signingKey, {
        user: spec.user,
        groups: spec.groups,
        kind: spec.kind as PrincipalKind,
        ttl: DEMO_TOKEN_TTL,
        ...(spec.attributes === undefined ? {} : { attributes: spec.attributes }),
      }),
    })),
  );
  // Tokens also go to files (owner-only), so shells can use $(cat …) instead of pasting.
  await Promise.all(identities.map((identity) => writeFile(join(stateDir, `${identity.user}.token`), `${identity.token}\n`, { mode: 0o600 })));

  const address = gateway.listeners[0]!.address;
  let stopping: Promise<void> | undefined;
  return {
    host: address.host,
    port: address.port,
    portChanged: address.port !== preferredPort,
    database: DEMO_DATABASE,
    stateDir,
    identities,
    identity(user) {
      const found = identities.find((identity) => identity.user === user);
      if (!found) throw new Error(`no demo identity "${user}"`);
      return found;
    },
    stop() {
      stopping ??= (async () => {
        await gateway.drain();
        await database.stop();
      })();
      return stopping;
    },
  };
}
