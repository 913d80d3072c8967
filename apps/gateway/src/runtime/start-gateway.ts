import { readFile } from 'node:fs/promises';
import {
  AgentTokenStore,
  createAuthRateLimiter,
  createAuthenticator,
  createOidcVerifier,
  loadOrCreateSigningKey,
} from '@gatehouse/identity';
import { createMasker } from '@gatehouse/masking';
import { loadPolicyFile } from '@gatehouse/policy';
import type { CompiledPolicy } from '@gatehouse/policy';
import { Gateway, SqlStatementDecider, createDevCertificate } from '@gatehouse/proxy';
import type { BoundListener, Logger, PemKeyPair } from '@gatehouse/proxy';
import { createSqlClassifier } from '@gatehouse/sql';
import type { ConnectionConfig, GatewayConfig } from '../config/gateway-config.js';
import { buildAdapter } from './adapter-registry.js';
import type { BuiltAdapter, SharedServices } from './adapter-registry.js';

export interface RunningGateway {
  readonly listeners: readonly BoundListener[];
  readonly policy: CompiledPolicy;
  /** Graceful shutdown: stop accepting, finish statements in flight, then release everything. */
  drain(): Promise<void>;
}

/**
 * The composition root: builds the shared services once (classifier, policy, masking, identity)
 * and one adapter per configured connection, then starts listening. Throws before listening on
 * anything if any part cannot be built.
 */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningGateway> {
  const policy = await loadPolicyFile(config.policy);
  const classifier = await createSqlClassifier();
  const decider = new SqlStatementDecider(classifier, { current: () => policy });
  const masker = createMasker({ keys: { hash: config.masking.hashKey } });

  const signingKey = await loadOrCreateSigningKey(config.identity.signingKey);
  if (signingKey.created) logger.info({ path: signingKey.path }, 'created the gateway signing key');
  if (signingKey.insecurePermissions) logger.warn({ path: signingKey.path }, 'signing key file is readable by group or others; chmod 600 it');
  const oidc = config.identity.oidc;
  const authenticator = createAuthenticator({
    gatewayKey: signingKey,
    ...(oidc
      ? {
          oidc: createOidcVerifier({
            issuer: oidc.issuer,
            audience: oidc.audience,
            groupsClaim: oidc.groupsClaim,
            userClaim: oidc.userClaim,
            ...(oidc.jwksUri ? { jwksUri: oidc.jwksUri } : {}),
          }),
        }
      : {}),
    ...(config.identity.agentTokens ? { agentStore: new AgentTokenStore({ path: config.identity.agentTokens }) } : {}),
    rateLimiter: createAuthRateLimiter({ maxFailures: config.identity.rateLimit.maxFailures, windowMs: config.identity.rateLimit.windowMs }),
  });
  const services: SharedServices = {
    authenticate: (request) => authenticator.authenticate(request),
    decider,
    masker,
    logger,
  };

  let devCertificate: Promise<PemKeyPair> | undefined;
  const certificateFor = async (connection: ConnectionConfig): Promise<PemKeyPair> => {
    if (connection.tls) {
      const [cert, key] = await Promise.all([readFile(connection.tls.cert, 'utf8'), readFile(connection.tls.key, 'utf8')]);
      return { cert, key };
    }
    devCertificate ??= createDevCertificate(['localhost']).then((pair) => {
      logger.warn('no listener certificate configured: using a self-signed development certificate');
      return pair;
    });
    return devCertificate;
  };

  const built: BuiltAdapter[] = [];
  const specs = [];
  for (const connection of config.connections) {
    const adapter = buildAdapter(connection, await certificateFor(connection), services);
    built.push(adapter);
    specs.push({ connection: connection.name, environment: connection.environment, listen: connection.listen, adapter: adapter.adapter });
  }
  const gateway = new Gateway(specs, { logger, drainTimeoutMs: config.shutdown.drainTimeoutMs });
  let listeners: BoundListener[];
  try {
    listeners = await gateway.start();
  } catch (error) {
    for (const adapter of built) adapter.close();
    throw error;
  }
  return {
    listeners,
    policy,
    async drain() {
      await gateway.drain();
      for (const adapter of built) adapter.close();
    },
  };
}
