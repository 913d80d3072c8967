import { z } from 'zod';
import { DURABILITIES } from '@gatehouse/audit';
import { WEBHOOK_FORMATS } from '@gatehouse/approvals';
import { duration, listOf, oneOf, strictMap, text, wholeNumber } from '@gatehouse/yaml-config';
import { parseByteSize } from './byte-size.js';
import { parseListenAddress } from './listen-address.js';
import { parseSecretReference } from './secret-reference.js';

/*
 * The control-plane sections of the configuration file: `audit:`, `approvals:` and `admin:` (and
 * each connection's `audit:` override). Kept apart from config-schema.ts so the sections other
 * features add there stay small, reviewable edits.
 */

export const CONTROL_PLANE_DEFAULTS = {
  auditStore: 'embedded',
  durability: 'async',
  ticketTtl: '15m',
  ticketUses: 1,
  approvalPoll: '500ms',
  webhookRetries: 4,
  retentionInterval: '1h',
} as const;

export const AUDIT_STORE_KINDS = ['embedded', 'postgres'] as const;
export const ADMIN_ROLES = ['admin', 'approver', 'auditor'] as const;

function nonEmpty(what: string) {
  return text(what).min(1, { error: `${what} must not be empty` });
}

function secret(what: string) {
  return text(what)
    .superRefine((value, context) => {
      const parsed = parseSecretReference(value);
      if ('problem' in parsed) context.addIssue({ code: 'custom', message: `${what}: ${parsed.problem}` });
    })
    .meta({ description: `${what}: \${env:NAME}, \${file:./path} (content, trimmed) or a literal (not recommended)` });
}

const durability = oneOf('audit durability', DURABILITIES).meta({
  description: 'before-forward: a statement is durable in the trail before it reaches the database; async: batched, bounded queue with back-pressure',
});

const retention = strictMap('audit retention', {
  maxAge: duration('audit retention maxAge').meta({ description: 'Events older than this are pruned (e.g. 90d)' }).optional(),
  maxSize: text('audit retention maxSize')
    .superRefine((value, context) => {
      if (parseByteSize(value) === undefined) {
        context.addIssue({ code: 'custom', message: `bad size "${value}" for audit retention maxSize; write a number with a unit: B, kB, MB, GB, TB or KiB, MiB, GiB, TiB (e.g. 10GB)` });
      }
    })
    .meta({ description: 'Keep at most this much event data (the stored event bodies), e.g. 10GB' })
    .optional(),
  interval: duration('audit retention interval')
    .default(CONTROL_PLANE_DEFAULTS.retentionInterval)
    .meta({ description: 'How often retention runs' }),
})
  .superRefine((value, context) => {
    const record = value as Record<string, unknown>;
    if (record['maxAge'] === undefined && record['maxSize'] === undefined) {
      context.addIssue({ code: 'custom', message: 'audit retention needs maxAge, maxSize or both (e.g. maxAge: 90d)' });
    }
  })
  .meta({
    description:
      'Prune the trail from its oldest end; each prune signs an anchor checkpoint so what remains still verifies. Absent: keep everything',
  });

export const auditSection = strictMap('audit', {
  store: oneOf('audit store', AUDIT_STORE_KINDS)
    .default(CONTROL_PLANE_DEFAULTS.auditStore)
    .meta({ description: 'embedded: PGlite data directory (one gateway); postgres: a PostgreSQL database shared by replicas. Approvals live in the same store.' }),
  dataDir: nonEmpty('audit dataDir')
    .meta({ description: 'embedded store directory; default: control-plane/ beside the signing key' })
    .optional(),
  connectionString: secret('audit connectionString').optional(),
  durability: durability.default(CONTROL_PLANE_DEFAULTS.durability),
  signingKey: nonEmpty('audit signingKey')
    .meta({ description: 'Ed25519 PEM for signed checkpoints; created on first start when absent; default: audit-checkpoint.pem beside the signing key' })
    .optional(),
  digestKey: secret('audit digestKey')
    .meta({ description: 'HMAC key (≥ 32 bytes) for who-touched digests; absent: a random key kept in a file beside the signing key' })
    .optional(),
  jsonl: nonEmpty('audit jsonl').meta({ description: 'Also stream every event as JSON lines: a file path, or "stdout"' }).optional(),
  retention: retention.optional(),
}).superRefine((value, context) => {
  const record = value as Record<string, unknown>;
  if (record['store'] === 'postgres' && record['connectionString'] === undefined) {
    context.addIssue({ code: 'custom', path: ['connectionString'], message: 'audit store postgres needs connectionString (e.g. ${env:GATEHOUSE_CONTROL_DB})' });
  }
});

export const connectionAuditSection = strictMap('connection audit', { durability }).meta({
  description: "This connection's audit durability, overriding audit.durability",
});

const webhook = strictMap('webhook', {
  url: secret('webhook url'),
  format: oneOf('webhook format', WEBHOOK_FORMATS).default('json').meta({ description: 'json: generic; slack: Slack-compatible incoming webhook' }),
});

export const approvalsSection = strictMap('approvals', {
  ticketTtl: duration('approvals ticketTtl').default(CONTROL_PLANE_DEFAULTS.ticketTtl).meta({ description: 'How long an approved ticket may be used' }),
  ticketUses: wholeNumber('approvals ticketUses', 1).default(CONTROL_PLANE_DEFAULTS.ticketUses).meta({ description: 'How many runs an approved ticket allows' }),
  poll: duration('approvals poll').default(CONTROL_PLANE_DEFAULTS.approvalPoll).meta({ description: 'How often a held statement checks the shared store for a decision made on another replica' }),
  webhooks: listOf('approvals webhooks', webhook).optional(),
  webhookRetries: wholeNumber('approvals webhookRetries', 0, 20).default(CONTROL_PLANE_DEFAULTS.webhookRetries),
});

const roleGroups = strictMap('admin roleGroups', {
  admin: listOf('admin groups', nonEmpty('group')).optional(),
  approver: listOf('approver groups', nonEmpty('group')).optional(),
  auditor: listOf('auditor groups', nonEmpty('group')).optional(),
}).meta({ description: 'Groups whose members get a role (e.g. from OIDC); a token attribute `roles` grants roles too' });

export const adminSection = strictMap('admin', {
  listen: text('admin listen')
    .superRefine((value, context) => {
      const parsed = parseListenAddress(value);
      if ('problem' in parsed) context.addIssue({ code: 'custom', message: parsed.problem });
    })
    .meta({ description: 'Where the admin HTTP API listens ("host:port"), separate from database listeners' }),
  publicUrl: nonEmpty('admin publicUrl').meta({ description: 'How approvers reach the API (used in notifications)' }).optional(),
  roleGroups: roleGroups.optional(),
});

export type AuditSectionDocument = z.output<typeof auditSection>;
export type ApprovalsSectionDocument = z.output<typeof approvalsSection>;
export type AdminSectionDocument = z.output<typeof adminSection>;
