import type { SessionHooks } from '@gatehouse/proxy';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { PrincipalKind } from '@gatehouse/core';
import { createAuthRateLimiter, createAuthenticator, createGatewayTokenVerifier, issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { createMasker } from '@gatehouse/masking';
import { loadPolicy } from '@gatehouse/policy';
import { Gateway, SqlStatementDecider, createDevCertificate, silentLogger, upstreamTlsOptions } from '@gatehouse/proxy';
import type { MongoServer } from '@gatehouse/testkit';
import { createMongoAdapter } from '../mongodb-adapter.js';
import { CursorRegistry } from '../session/cursor-registry.js';
import { UpstreamFactsCache } from '../session/upstream-login.js';
import type { MongoUpstreamSettings } from '../session/upstream-login.js';

export interface TestGateway {
  readonly port: number;
  /** The gateway's dev certificate, to verify it from clients. */
  readonly cert: string;
  token(
    user: string,
    groups?: string[],
    options?: { kind?: PrincipalKind; ttl?: string | number; issuedAt?: number; attributes?: Readonly<Record<string, string | string[]>> },
  ): Promise<string>;
  stop(): Promise<void>;
}

/** The decider is built for SQL classifiers; MongoDB never calls its text path, only decideActions. */
const NO_SQL_CLASSIFIER = {
  classify(): never {
    throw new TypeError('the MongoDB adapter classifies commands itself');
  },
};

/**
 * A whole gateway for one MongoDB connection, wired as the app wires it: policy, masking, identity
 * and TLS, in front of a real (or MongoDB-compatible) server.
 */
export async function startTestGateway(
  server: MongoServer,
  policyYaml: string,
  options: { allowPlaintextOnLoopback?: boolean; hooks?: SessionHooks } = {},
): Promise<TestGateway> {
  const stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-mongo-gw-'));
  const signingKey = await loadOrCreateSigningKey(join(stateDir, 'gateway.pem'));
  const authenticator = createAuthenticator({
    gatewayKey: createGatewayTokenVerifier({ publicKey: signingKey.publicKey }),
    rateLimiter: createAuthRateLimiter({ maxFailures: 50 }),
  });
  const policy = loadPolicy(policyYaml, 'test-policy.yaml');
  const decider = new SqlStatementDecider(NO_SQL_CLASSIFIER as never, { current: () => policy });
  const masker = createMasker({ keys: { hash: 'test-hash-key' } });
  const upstream: MongoUpstreamSettings = {
    host: server.host,
    port: server.port,
    tls: server.tls ? upstreamTlsOptions(server.host, { mode: 'require' }) : undefined,
    ...(server.user !== undefined ? { user: server.user, password: server.password ?? '' } : {}),
    ...(server.authSource !== undefined ? { authSource: server.authSource } : {}),
  };
  const certificate = await createDevCertificate(['localhost']);
  const adapter = createMongoAdapter({
    secureContext: createSecureContext({ cert: certificate.cert, key: certificate.key }),
    allowPlaintextOnLoopback: options.allowPlaintextOnLoopback ?? false,
    upstream,
    facts: new UpstreamFactsCache(upstream),
    cursors: new CursorRegistry(),
    authenticate: (request) => authenticator.authenticate(request),
    decider,
    masker,
    logger: silentLogger(),
    ...(options.hooks ? { hooks: options.hooks } : {}),
  });
  const gateway = new Gateway([{ connection: 'app', environment: 'prod', listen: { host: '127.0.0.1', port: 0 }, adapter }], {
    logger: silentLogger(),
    drainTimeoutMs: 2_000,
  });
  const [bound] = await gateway.start();
  return {
    port: bound!.address.port,
    cert: certificate.cert,
    token: (user, groups = [], tokenOptions = {}) =>
      issueGatewayToken(signingKey, {
        user,
        groups,
        kind: tokenOptions.kind ?? 'human',
        ttl: tokenOptions.ttl ?? '1h',
        ...(tokenOptions.issuedAt !== undefined ? { now: () => tokenOptions.issuedAt! } : {}),
        ...(tokenOptions.attributes !== undefined ? { attributes: tokenOptions.attributes } : {}),
      }),
    async stop() {
      await gateway.drain();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
