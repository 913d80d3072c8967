import { readFile } from 'node:fs/promises';
import {
  AgentTokenStore,
  createAuthRateLimiter,
  createAuthenticator,
  createOidcVerifier,
  loadOrCreateSigningKey,
} from '@gatehouse/identity';
import { createMasker } from '@gatehouse/masking';
import { formatProblem } from '@gatehouse/core';
import type { CompiledPolicy } from '@gatehouse/policy';
import { Gateway, SqlStatementDecider, composeHooks, createDevCertificate } from '@gatehouse/proxy';
import type { BoundListener, Logger, PemKeyPair } from '@gatehouse/proxy';
import { errorSummary } from '@gatehouse/proxy';
import { createSqlClassifier } from '@gatehouse/sql';
import { createTelemetry } from '@gatehouse/telemetry';
import type { Telemetry } from '@gatehouse/telemetry';
import type { ConnectionConfig, GatewayConfig } from '../config/gateway-config.js';
import { startAdminServer } from '../admin/admin-server.js';
import type { RunningAdminServer } from '../admin/admin-server.js';
import { openControlPlane } from './control-plane.js';
import type { ControlPlane } from './control-plane.js';
import { buildAdapter } from './adapter-registry.js';
import { ReloadablePolicy } from './reloadable-policy.js';
import type { PolicyReload } from './reloadable-policy.js';
import type { BuiltAdapter, SharedServices } from './adapter-registry.js';

export interface RunningGateway {
  readonly listeners: readonly BoundListener[];
  /** The policy in force now (a reload swaps it). */
  readonly policy: CompiledPolicy;
  /**
   * Re-reads the policy file (SIGHUP). Applied: every session decides by it from its next
   * statement. Rejected (the file does not load): the previous policy stays, the problems are
   * logged as file:line:col. Either way the attempt is an audit event.
   */
  reloadPolicy(actor?: string): Promise<PolicyReload>;
  /** The audit trail, approvals and live sessions (empty without an `audit:` section). */
  readonly controlPlane: ControlPlane;
  /** The admin HTTP API, when `admin:` is configured. */
  readonly admin?: RunningAdminServer;
  /** OpenTelemetry (off unless configured): `metricsHandler` serves GET /metrics for the admin listener. */
  readonly telemetry: Telemetry;
  /** Graceful shutdown: stop accepting, finish statements in flight, then release everything. */
  drain(): Promise<void>;
}

/**
 * The composition root: builds the shared services once (classifier, policy, masking, identity)
 * and one adapter per configured connection, then starts listening. Throws before listening on
 * anything if any part cannot be built.
 */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningGateway> {
  const policy = await ReloadablePolicy.load(config.policy);
  const classifier = await createSqlClassifier();
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
            ...(oidc.attributeClaims ? { attributeClaims: oidc.attributeClaims } : {}),
          }),
        }
      : {}),
    ...(config.identity.agentTokens ? { agentStore: new AgentTokenStore({ path: config.identity.agentTokens }) } : {}),
    rateLimiter: createAuthRateLimiter({ maxFailures: config.identity.rateLimit.maxFailures, windowMs: config.identity.rateLimit.windowMs }),
  });
  // Off (no hooks, no SDK) unless the `telemetry:` section or OTEL_* variables configure it. Made
  // before the control plane so its audit trail can forward to `telemetry.auditForwarder`.
  const traceContextConnections = config.connections.filter((connection) => connection.traceContext === true).map((connection) => connection.name);
  const telemetry = await createTelemetry({ ...config.telemetry, traceContextConnections });
  const controlPlane = await openControlPlane(config, logger, telemetry.auditForwarder ? [telemetry.auditForwarder] : []).catch(async (error: unknown) => {
    await telemetry.shutdown();
    throw error;
  });
  // Literals are extracted only for the trail's who-touched digests (HMACs; the values are dropped).
  const decider = new SqlStatementDecider(classifier, policy, { collectLiterals: controlPlane.trail?.digestsLiterals === true });
  if (telemetry.enabled) {
    logger.info({ prometheus: telemetry.prometheusAddress, metricsHandler: telemetry.metricsHandler !== undefined }, 'telemetry on');
  }
  if (traceContextConnections.length > 0 && !telemetry.hooks?.traceContext) {
    logger.warn({ connections: traceContextConnections }, 'telemetry.traceContext is on for these connections, but traces are off: no trace context is propagated');
  }
  telemetry.registerGauges({
    ...(controlPlane.trail
      ? {
          auditQueueDepth: () => controlPlane.trail!.stats().depth,
          auditDropped: () => controlPlane.trail!.stats().dropped,
          auditQueueWaits: () => controlPlane.trail!.stats().waits,
        }
      : {}),
    ...(controlPlane.approvals ? { approvalsPending: async () => (await controlPlane.approvals!.list({ state: 'pending', limit: 10_000 })).length } : {}),
  });
  // Every extension point in one place. Telemetry only observes (it has no gate).
  const hooks = composeHooks(controlPlane.hooks, telemetry.hooks);
  const services: SharedServices = {
    authenticate: (request) => authenticator.authenticate(request),
    decider,
    masker,
    logger,
    ...(hooks ? { hooks } : {}),
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
  let admin: RunningAdminServer | undefined;
  try {
    listeners = await gateway.start();
    if (config.admin) {
      admin = await startAdminServer({
        listen: config.admin.listen,
        authenticate: (request) => authenticator.authenticate(request),
        roleGroups: config.admin.roleGroups,
        ...(controlPlane.trail ? { trail: controlPlane.trail } : {}),
        ...(controlPlane.approvals ? { approvals: controlPlane.approvals } : {}),
        sessions: controlPlane.sessions,
        gateway,
        logger,
        ...(telemetry.metricsHandler ? { metricsHandler: telemetry.metricsHandler } : {}),
      });
      logger.info({ url: admin.url }, 'admin API listening');
    }
  } catch (error) {
    await gateway.drain().catch(() => undefined);
    for (const adapter of built) adapter.close();
    await controlPlane.close().catch(() => undefined);
    await telemetry.shutdown();
    throw error;
  }
  const reloadPolicy = async (actor?: string): Promise<PolicyReload> => {
    const result = await policy.reload();
    if (result.outcome === 'applied') logger.info({ file: result.file, digest: result.digest, rules: result.rules }, 'policy reloaded');
    else logger.error({ file: result.file, problems: result.problems.map(formatProblem) }, 'policy reload rejected: the previous policy stays in force');
    await controlPlane.trail
      ?.reloaded({
        what: 'policy',
        outcome: result.outcome,
        source: result.file,
        ...(result.outcome === 'applied' ? { digest: result.digest } : { problems: result.problems.length }),
        ...(actor !== undefined ? { actor } : {}),
      })
      .catch((error: unknown) => logger.error({ err: errorSummary(error) }, 'audit: policy reload could not be recorded'));
    return result;
  };
  return {
    listeners,
    get policy() {
      return policy.policy;
    },
    reloadPolicy,
    controlPlane,
    ...(admin ? { admin } : {}),
    telemetry,
    async drain() {
      await gateway.drain();
      for (const adapter of built) adapter.close();
      await admin?.close();
      await controlPlane.close();
      // Last: the spans and metrics of the sessions just drained are flushed before exit.
      await telemetry.shutdown();
    },
  };
}
