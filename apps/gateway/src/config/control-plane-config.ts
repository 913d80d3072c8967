import type { Durability } from '@gatehouse/audit';
import type { WebhookTarget } from '@gatehouse/approvals';

/** The resolved `audit:` section: paths absolute, secrets read. */
export interface AuditSettings {
  readonly store: { readonly kind: 'embedded'; readonly dataDir: string } | { readonly kind: 'postgres'; readonly connectionString: string };
  readonly durability: Durability;
  /** Ed25519 PEM path for checkpoints (created when absent). */
  readonly signingKey: string;
  /** The who-touched HMAC key; absent here: read or created beside the gateway signing key at start. */
  readonly digestKey?: string;
  readonly jsonl?: { readonly path: string } | { readonly stdout: true };
  /** Scheduled pruning from the oldest end (at least one limit set); absent: keep everything. */
  readonly retention?: { readonly maxAgeMs?: number; readonly maxBytes?: number; readonly intervalMs: number };
}

export interface ApprovalSettings {
  readonly ticketTtlMs: number;
  readonly ticketUses: number;
  readonly pollMs: number;
  readonly webhooks: readonly WebhookTarget[];
  readonly webhookRetries: number;
}

export const ADMIN_ROLE_NAMES = ['admin', 'approver', 'auditor'] as const;
export type AdminRole = (typeof ADMIN_ROLE_NAMES)[number];

export interface AdminSettings {
  readonly listen: { readonly host: string; readonly port: number };
  readonly publicUrl?: string;
  readonly roleGroups: Readonly<Record<AdminRole, readonly string[]>>;
}

/** The digest key file created beside the signing key when `audit.digestKey` is absent. */
export const DIGEST_KEY_FILE_NAME = 'audit-digest.key';
