import { dirname, join } from 'node:path';
import { Approvals, WebhookNotifier, openApprovalStoreOn } from '@gatehouse/approvals';
import type { ApprovalChange } from '@gatehouse/approvals';
import { AuditTrail, JsonlSink, PgliteWorkerDriver, PostgresDriver, SqlAuditStore, appendsAudit, scheduleRetention } from '@gatehouse/audit';
import type { RetentionSchedule } from '@gatehouse/audit';
import type { AuditAppendingDriver, AuditForwarder, Durability, SqlDriver } from '@gatehouse/audit';
import { loadOrCreateSigningKey } from '@gatehouse/identity';
import type { Logger, SessionHooks } from '@gatehouse/proxy';
import { errorSummary } from '@gatehouse/proxy';
import { DIGEST_KEY_FILE_NAME } from '../config/control-plane-config.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { loadOrCreateHashKey } from '../config/hash-key-file.js';
import { controlPlaneHooks } from './control-plane-hooks.js';
import { LiveSessions } from './live-sessions.js';

/** The audit trail, the approvals service and what feeds them, built from the `audit:` section. */
export interface ControlPlane {
  readonly trail?: AuditTrail;
  readonly approvals?: Approvals;
  readonly notifier?: WebhookNotifier;
  /** Scheduled pruning, when `audit.retention` is configured. */
  readonly retention?: RetentionSchedule;
  readonly sessions: LiveSessions;
  /** Undefined when there is no audit section (the adapters then use the decision alone). */
  readonly hooks?: SessionHooks;
  close(): Promise<void>;
}

/**
 * The audit store closes what it was given; the shared driver is closed once, by the control plane.
 * A driver that runs whole appends where the database is (the embedded store's worker thread) keeps
 * doing so: without appendAudit the store would seal on this thread and pay a worker round trip
 * per statement of the append transaction.
 */
function borrowed(driver: SqlDriver): SqlDriver {
  const shared: SqlDriver = {
    query: (text, params) => driver.query(text, params),
    transaction: (fn) => driver.transaction(fn),
    afterCommit: () => driver.afterCommit(),
    close: async () => undefined,
  };
  return appendsAudit(driver) ? { ...shared, appendAudit: (settings, events, now, sealed, sync) => driver.appendAudit(settings, events, now, sealed, sync) } as AuditAppendingDriver : shared;
}

/**
 * Opens the control-plane store once and puts the audit trail and the approvals on it: embedded
 * (one PGlite data directory; PGlite allows one process per directory) or PostgreSQL (one pool,
 * shared by every replica's trail and approvals). Approval changes are audited (durably, before
 * the step that caused them returns) and sent to the configured webhooks.
 */
export async function openControlPlane(
  config: GatewayConfig,
  logger: Logger,
  /** More receivers of committed audit events (telemetry's OTLP logs). */
  extraForwarders: readonly AuditForwarder[] = [],
): Promise<ControlPlane> {
  const sessions = new LiveSessions();
  const audit = config.audit;
  if (!audit) {
    logger.warn('no audit section in the configuration: statements are not audited, and review statements are refused (no approvals store)');
    return { sessions, close: async () => undefined };
  }
  const driver: SqlDriver =
    // Embedded: PGlite in a worker thread, so its CPU and fsyncs stay off the thread serving clients.
    audit.store.kind === 'embedded' ? await PgliteWorkerDriver.open({ dataDir: audit.store.dataDir }) : new PostgresDriver({ connectionString: audit.store.connectionString });
  try {
    const signingKey = await loadOrCreateSigningKey(audit.signingKey);
    if (signingKey.created) logger.info({ path: signingKey.path }, 'created the audit checkpoint signing key');
    const digestKey = audit.digestKey ?? (await loadOrCreateHashKey(join(dirname(config.identity.signingKey), DIGEST_KEY_FILE_NAME))).key;
    const store = await SqlAuditStore.open(borrowed(driver), { signingKey: signingKey.privateKey });
    const forwarders = [...(audit.jsonl ? [new JsonlSink('path' in audit.jsonl ? { path: audit.jsonl.path } : { stream: process.stdout })] : []), ...extraForwarders];
    const trail = new AuditTrail({
      store,
      forwarders,
      digestKey,
      writer: { onWarning: (warning) => logger.warn({ warning }, 'audit trail warning') },
    });

    // Retention: the oldest end goes, with a signed anchor so the rest still verifies. Several
    // replicas on one PostgreSQL trail may each run it: prunes lock the chain head, so they queue.
    const retention: RetentionSchedule | undefined = audit.retention
      ? scheduleRetention({
          policy: {
            ...(audit.retention.maxAgeMs !== undefined ? { maxAgeMs: audit.retention.maxAgeMs } : {}),
            ...(audit.retention.maxBytes !== undefined ? { maxBytes: audit.retention.maxBytes } : {}),
          },
          intervalMs: audit.retention.intervalMs,
          prune: (policy) => trail.prune(policy),
          onPruned: (report) => {
            if (report.pruned > 0) logger.info({ pruned: report.pruned, anchorSeq: report.anchor?.seq }, 'audit retention pruned the oldest events');
          },
          onError: (error) => logger.error({ err: errorSummary(error) }, 'audit retention failed; retrying at the next interval'),
        })
      : undefined;

    const settings = config.approvals;
    const notifier =
      settings && settings.webhooks.length > 0
        ? new WebhookNotifier({
            targets: settings.webhooks,
            retries: settings.webhookRetries,
            ...(config.admin?.publicUrl ? { adminUrl: config.admin.publicUrl } : {}),
            onFailure: (failure) => logger[failure.final ? 'error' : 'warn']({ webhook: failure }, failure.final ? 'approval notification dropped' : 'approval notification failed; retrying'),
          })
        : undefined;
    const onChange = async (change: ApprovalChange): Promise<void> => {
      await trail.approvalChanged({
        approvalId: change.request.id,
        state: change.state,
        principal: change.request.requester,
        connection: change.request.connection,
        environment: change.request.environment,
        fingerprint: change.request.fingerprint,
        rule: change.request.rule,
        ...(change.request.sessionId !== undefined ? { sessionId: change.request.sessionId } : {}),
        ...(change.actor !== undefined ? { actor: change.actor } : {}),
        ...(change.comment !== undefined ? { comment: change.comment } : {}),
      });
      notifier?.notify({ notice: change.state === 'pending' ? 'requested' : change.state, request: change.request, ...(change.actor !== undefined ? { actor: change.actor } : {}) });
    };
    const approvals = new Approvals({
      store: await openApprovalStoreOn(driver),
      ...(settings ? { ticketTtlMs: settings.ticketTtlMs, ticketUses: settings.ticketUses, pollMs: settings.pollMs } : {}),
      onChange,
      onError: (error) => logger.error({ err: errorSummary(error) }, 'approvals: expiring overdue requests failed'),
    });
    const durabilities = new Map<string, Durability>(config.connections.map((connection) => [connection.name, connection.auditDurability ?? audit.durability]));
    const hooks = controlPlaneHooks({ trail, approvals, sessions, logger, durabilityOf: (connection) => durabilities.get(connection) ?? audit.durability });
    return {
      trail,
      approvals,
      ...(notifier ? { notifier } : {}),
      ...(retention ? { retention } : {}),
      sessions,
      hooks,
      async close() {
        await retention?.stop();
        approvals.close();
        notifier?.close();
        await trail.close().catch((error: unknown) => logger.error({ err: errorSummary(error) }, 'audit trail did not close cleanly'));
        await driver.close();
      },
    };
  } catch (error) {
    await driver.close().catch(() => undefined);
    throw error;
  }
}
