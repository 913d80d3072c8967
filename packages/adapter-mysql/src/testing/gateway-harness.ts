import type { SessionHooks } from '@gatehouse/proxy';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { PrincipalKind } from '@gatehouse/core';
import { createAuthRateLimiter, createAuthenticator, createGatewayTokenVerifier, issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { createMasker } from '@gatehouse/masking';
import { loadPolicy } from '@gatehouse/policy';
import { Gateway, SqlStatementDecider, createDevCertificate, silentLogger, upstreamTlsOptions } from '@gatehouse/proxy';
import { createSqlClassifier } from '@gatehouse/sql';
import { createMysqlAdapter } from '../mysql-adapter.js';
import type { ClientAuthPlugin } from '../session/client-handshake.js';
import type { MysqlUpstreamSettings } from '../session/upstream-login.js';
import { RewritingDecider } from './rewriting-decider.js';
import type { Rewrite } from './rewriting-decider.js';

/** Where the gateway's upstream is: a started fixture or a server given by URL. */
export interface UpstreamServer {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly caCertFile?: string;
  /** TLS to the upstream (default verify-full when a CA is known, else disable). */
  readonly tls?: 'disable' | 'require' | 'verify-full';
}

export interface TestGateway {
  readonly port: number;
  /** The gateway's dev certificate, to verify it from clients. */
  readonly cert: string;
  token(user: string, groups?: string[], options?: { kind?: PrincipalKind; ttl?: string | number; issuedAt?: number }): Promise<string>;
  stop(): Promise<void>;
}

export interface TestGatewayOptions {
  /** Audit, approvals, telemetry stand-ins for tests. */
  readonly hooks?: SessionHooks;
  readonly allowPlaintextOnLoopback?: boolean;
  readonly clientAuthPlugin?: ClientAuthPlugin;
  readonly switchAuthPlugin?: ClientAuthPlugin;
  readonly maxPacketBytes?: number;
  /** An RSA key pair for caching_sha2_password full authentication without TLS (short credentials only). */
  readonly rsaKeys?: { readonly publicKey: string; readonly privateKey: string };
  /** Statements the decision rewrites (StatementOutcome.forwardText), as the row-filter rewrite does. */
  readonly rewrite?: Rewrite;
}

/**
 * A whole gateway for one MySQL connection, wired as the app wires it: real classifier, policy,
 * masking, identity and TLS, in front of a real server.
 */
export async function startTestGateway(server: UpstreamServer, policyYaml: string, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-gw-'));
  const signingKey = await loadOrCreateSigningKey(join(stateDir, 'gateway.pem'));
  const authenticator = createAuthenticator({
    gatewayKey: createGatewayTokenVerifier({ publicKey: signingKey.publicKey }),
    rateLimiter: createAuthRateLimiter({ maxFailures: 50 }),
  });
  const policy = loadPolicy(policyYaml, 'test-policy.yaml');
  const classifier = await createSqlClassifier();
  const source = { current: () => policy };
  const decider = options.rewrite ? new RewritingDecider(classifier, source, options.rewrite) : new SqlStatementDecider(classifier, source);
  const masker = createMasker({ keys: { hash: 'test-hash-key' } });
  const tlsMode = server.tls ?? (server.caCertFile ? 'verify-full' : 'disable');
  const upstream: MysqlUpstreamSettings = {
    host: server.host,
    port: server.port,
    database: server.database,
    user: server.user,
    password: server.password,
    tls: upstreamTlsOptions('localhost', { mode: tlsMode, ...(server.caCertFile ? { ca: readFileSync(server.caCertFile, 'utf8') } : {}) }),
  };
  const certificate = await createDevCertificate(['localhost']);
  const adapter = createMysqlAdapter({
    secureContext: createSecureContext({ cert: certificate.cert, key: certificate.key }),
    allowPlaintextOnLoopback: options.allowPlaintextOnLoopback ?? false,
    upstream: { ...upstream, ...(options.maxPacketBytes ? { maxPacketBytes: options.maxPacketBytes } : {}) },
    authenticate: (request) => authenticator.authenticate(request),
    decider,
    masker,
    logger: silentLogger(),
    ...(options.rsaKeys ? { rsaKeys: options.rsaKeys } : {}),
    ...(options.clientAuthPlugin ? { clientAuthPlugin: options.clientAuthPlugin } : {}),
    ...(options.switchAuthPlugin ? { switchAuthPlugin: options.switchAuthPlugin } : {}),
    ...(options.maxPacketBytes ? { maxPacketBytes: options.maxPacketBytes } : {}),
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
      }),
    async stop() {
      await gateway.drain();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** The upstream for e2e tests: `MYSQL_URL` (mysql://user:pass@host:port/db?tls=…) when given. */
export function upstreamFromUrl(url: string): UpstreamServer {
  const parsed = new URL(url);
  const tls = parsed.searchParams.get('tls') ?? parsed.searchParams.get('ssl-mode');
  const ca = parsed.searchParams.get('ca');
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    database: decodeURIComponent(parsed.pathname.slice(1)) || 'app',
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    ...(ca ? { caCertFile: ca } : {}),
    tls: tls === 'verify-full' || tls === 'require' || tls === 'disable' ? tls : ca ? 'verify-full' : 'require',
  };
}
