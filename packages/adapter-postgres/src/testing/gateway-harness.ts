import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { PrincipalKind } from '@gatehouse/core';
import { createAuthRateLimiter, createAuthenticator, createGatewayTokenVerifier, issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { createMasker } from '@gatehouse/masking';
import { loadPolicy } from '@gatehouse/policy';
import { Gateway, SqlStatementDecider, createDevCertificate, silentLogger, upstreamTlsOptions } from '@gatehouse/proxy';
import { createSqlClassifier } from '@gatehouse/sql';
import type { PostgresServer } from '@gatehouse/testkit';
import { readFileSync } from 'node:fs';
import { createPostgresAdapter } from '../postgres-adapter.js';
import { CancelRegistry } from '../session/cancel-registry.js';
import { UpstreamCatalog } from '../session/catalog.js';
import type { PostgresUpstreamSettings } from '../session/upstream-login.js';

export interface TestGateway {
  readonly port: number;
  /** The gateway's dev certificate, to verify it from clients. */
  readonly cert: string;
  /** A gateway token; `issuedAt` (ms since the epoch) back-dates it, e.g. to make an expired one. */
  token(user: string, groups?: string[], options?: { kind?: PrincipalKind; ttl?: string | number; issuedAt?: number }): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A whole gateway for one PostgreSQL connection, wired as the app wires it: real classifier,
 * policy, masking, identity and TLS, in front of a real server.
 */
export async function startTestGateway(server: PostgresServer, policyYaml: string, options: { allowPlaintextOnLoopback?: boolean } = {}): Promise<TestGateway> {
  const stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-gw-'));
  const signingKey = await loadOrCreateSigningKey(join(stateDir, 'gateway.pem'));
  const authenticator = createAuthenticator({
    gatewayKey: createGatewayTokenVerifier({ publicKey: signingKey.publicKey }),
    rateLimiter: createAuthRateLimiter({ maxFailures: 50 }),
  });
  const policy = loadPolicy(policyYaml, 'test-policy.yaml');
  const classifier = await createSqlClassifier();
  const decider = new SqlStatementDecider(classifier, { current: () => policy });
  const masker = createMasker({ keys: { hash: 'test-hash-key' } });
  const upstream: PostgresUpstreamSettings = {
    host: server.host,
    port: server.port,
    database: server.database,
    user: server.user,
    password: server.password,
    tls: upstreamTlsOptions('localhost', { mode: 'verify-full', ...(server.caCertFile ? { ca: readFileSync(server.caCertFile, 'utf8') } : {}) }),
  };
  const certificate = await createDevCertificate(['localhost']);
  const catalog = new UpstreamCatalog(upstream);
  const adapter = createPostgresAdapter({
    secureContext: createSecureContext({ cert: certificate.cert, key: certificate.key }),
    allowPlaintextOnLoopback: options.allowPlaintextOnLoopback ?? false,
    upstream,
    authenticate: (request) => authenticator.authenticate(request),
    decider,
    masker,
    catalog,
    cancelRegistry: new CancelRegistry(),
    logger: silentLogger(),
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
      }),
    async stop() {
      await gateway.drain();
      catalog.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
