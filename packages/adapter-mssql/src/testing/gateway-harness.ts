// Test-only: a whole gateway for one SQL Server connection, wired as the app wires it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrincipalKind } from '@gatehouse/core';
import { AgentTokenStore, createAuthRateLimiter, createAuthenticator, createGatewayTokenVerifier, issueGatewayToken, loadOrCreateSigningKey } from '@gatehouse/identity';
import { createMasker } from '@gatehouse/masking';
import { loadPolicy } from '@gatehouse/policy';
import type { SessionHooks, SessionIdentity, StatementOutcome } from '@gatehouse/proxy';
import { Gateway, SqlStatementDecider, createDevCertificate, createLogger, silentLogger, upstreamTlsOptions } from '@gatehouse/proxy';
import { createSqlClassifier } from '@gatehouse/sql';
import { createMssqlAdapter } from '../mssql-adapter.js';

/** Where the gateway's upstream is: what `startMssql()` returns (stand-in or MSSQL_URL). */
export interface MssqlUpstream {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly tls: boolean;
  /** PEM of the CA that signed the upstream's certificate (verify-full); else `require` when tls. */
  readonly ca: string | undefined;
}

export interface TestGateway {
  readonly port: number;
  /** The gateway's dev certificate (PEM), to verify it from clients. */
  readonly cert: string;
  token(user: string, groups?: string[], options?: { kind?: PrincipalKind; ttl?: string | number; issuedAt?: number }): Promise<string>;
  /**
   * A short agent/service token (67 characters): for clients that cut LOGIN7 passwords at 128
   * characters (FreeTDS's tsql), which a gateway JWT does not fit.
   */
  agentToken(user: string, groups?: string[], kind?: PrincipalKind): Promise<string>;
  stop(): Promise<void>;
}

export interface TestGatewayOptions {
  readonly hooks?: SessionHooks;
  readonly allowPlaintextOnLoopback?: boolean;
  /** Cap on one client request message. */
  readonly maxMessageBytes?: number;
  /** TDS 8 strict towards the upstream. */
  readonly strictUpstream?: boolean;
  /** Changes what the decider answers (e.g. adds a forwardText, as a row-filter rewrite would). */
  readonly decorate?: (outcome: StatementOutcome, text: string) => StatementOutcome;
  /** Log to stderr at this level (debugging). */
  readonly logLevel?: string;
}

/** Real classifier, policy, masking, identity and TLS in front of a real (or stand-in) server. */
export async function startTestGateway(server: MssqlUpstream, policyYaml: string, options: TestGatewayOptions = {}): Promise<TestGateway> {
  const stateDir = mkdtempSync(join(tmpdir(), 'gatehouse-mssql-gw-'));
  const signingKey = await loadOrCreateSigningKey(join(stateDir, 'gateway.pem'));
  const agentStore = new AgentTokenStore({ path: join(stateDir, 'agent-tokens.json') });
  const authenticator = createAuthenticator({
    gatewayKey: createGatewayTokenVerifier({ publicKey: signingKey.publicKey }),
    agentStore,
    rateLimiter: createAuthRateLimiter({ maxFailures: 50 }),
  });
  const policy = loadPolicy(policyYaml, 'test-policy.yaml');
  const decider = new SqlStatementDecider(await createSqlClassifier(), { current: () => policy });
  const decorate = options.decorate;
  if (decorate) {
    const decide = decider.decide.bind(decider);
    decider.decide = (identity: SessionIdentity, text: string) => decorate(decide(identity, text), text);
  }
  const masker = createMasker({ keys: { hash: 'test-hash-key' } });
  const certificate = await createDevCertificate(['localhost', '127.0.0.1']);
  const tlsMode = server.tls ? (server.ca ? 'verify-full' : 'require') : 'disable';
  const adapter = createMssqlAdapter({
    certificate: { key: certificate.key, cert: certificate.cert },
    allowPlaintextOnLoopback: options.allowPlaintextOnLoopback ?? false,
    upstream: {
      host: server.host,
      port: server.port,
      database: server.database,
      user: server.user,
      password: server.password,
      tls: upstreamTlsOptions('localhost', { mode: tlsMode, ...(server.ca ? { ca: server.ca } : {}) }),
      ...(options.strictUpstream ? { strict: true } : {}),
    },
    authenticate: (request) => authenticator.authenticate(request),
    decider,
    masker,
    logger: options.logLevel ? createLogger({ level: options.logLevel }) : silentLogger(),
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
  });
  const gateway = new Gateway([{ connection: 'sales', environment: 'prod', listen: { host: '127.0.0.1', port: 0 }, adapter }], { logger: silentLogger(), drainTimeoutMs: 2_000 });
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
    agentToken: async (user, groups = [], kind = 'service') => (await agentStore.create({ principalId: user, groups, kind })).token,
    async stop() {
      await gateway.drain();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
