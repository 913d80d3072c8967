import { dirname, join } from 'node:path';
import { parseDuration } from '@gatehouse/yaml-config';
import { CONTROL_PLANE_DEFAULTS } from './control-plane-schema.js';
import type { AdminSectionDocument, ApprovalsSectionDocument, AuditSectionDocument } from './control-plane-schema.js';
import type { AdminSettings, ApprovalSettings, AuditSettings } from './control-plane-config.js';
import { parseByteSize } from './byte-size.js';
import { parseListenAddress } from './listen-address.js';

type Path = readonly PropertyKey[];

/** What resolve-config.ts lends the control-plane resolver: its path and secret helpers. */
export interface ResolveHelpers {
  absolute(path: string): string;
  secret(value: string | undefined, path: Path, what: string): Promise<string | undefined>;
  report(path: Path, message: string): void;
  /** The gateway signing key (absolute): default files live beside it. */
  readonly signingKey: string;
}

const MIN_DIGEST_KEY_BYTES = 32;

export async function resolveAudit(document: AuditSectionDocument | undefined, helpers: ResolveHelpers): Promise<AuditSettings | undefined> {
  if (!document) return undefined;
  const beside = (name: string): string => join(dirname(helpers.signingKey), name);
  let store: AuditSettings['store'];
  if (document.store === 'postgres') {
    const connectionString = await helpers.secret(document.connectionString, ['audit', 'connectionString'], 'audit connectionString');
    store = { kind: 'postgres', connectionString: connectionString ?? '' };
  } else {
    store = { kind: 'embedded', dataDir: document.dataDir !== undefined ? helpers.absolute(document.dataDir) : beside('control-plane') };
  }
  const digestKey = await helpers.secret(document.digestKey, ['audit', 'digestKey'], 'audit digestKey');
  if (digestKey !== undefined && digestKey !== '' && Buffer.byteLength(digestKey) < MIN_DIGEST_KEY_BYTES) {
    helpers.report(['audit', 'digestKey'], `audit digestKey must be at least ${MIN_DIGEST_KEY_BYTES} bytes; use e.g. \`openssl rand -base64 32\``);
  }
  const retention = document.retention
    ? {
        ...(document.retention.maxAge !== undefined ? { maxAgeMs: milliseconds(document.retention.maxAge) } : {}),
        ...(document.retention.maxSize !== undefined ? { maxBytes: parseByteSize(document.retention.maxSize)! } : {}),
        intervalMs: milliseconds(document.retention.interval),
      }
    : undefined;
  const jsonl = document.jsonl === undefined ? undefined : document.jsonl === 'stdout' ? ({ stdout: true } as const) : { path: helpers.absolute(document.jsonl) };
  return {
    store,
    durability: document.durability,
    signingKey: document.signingKey !== undefined ? helpers.absolute(document.signingKey) : beside('audit-checkpoint.pem'),
    ...(digestKey !== undefined ? { digestKey } : {}),
    ...(jsonl ? { jsonl } : {}),
    ...(retention ? { retention } : {}),
  };
}

export async function resolveApprovals(document: ApprovalsSectionDocument | undefined, helpers: ResolveHelpers): Promise<ApprovalSettings> {
  const webhooks = [];
  for (const [index, webhook] of (document?.webhooks ?? []).entries()) {
    const url = await helpers.secret(webhook.url, ['approvals', 'webhooks', index, 'url'], 'webhook url');
    if (url === undefined) continue;
    if (!/^https?:\/\//.test(url)) helpers.report(['approvals', 'webhooks', index, 'url'], 'webhook url must be an http(s) URL');
    webhooks.push({ url, format: webhook.format });
  }
  return {
    ticketTtlMs: milliseconds(document?.ticketTtl ?? CONTROL_PLANE_DEFAULTS.ticketTtl),
    ticketUses: document?.ticketUses ?? CONTROL_PLANE_DEFAULTS.ticketUses,
    pollMs: milliseconds(document?.poll ?? CONTROL_PLANE_DEFAULTS.approvalPoll),
    webhooks,
    webhookRetries: document?.webhookRetries ?? CONTROL_PLANE_DEFAULTS.webhookRetries,
  };
}

export function resolveAdmin(document: AdminSectionDocument | undefined): AdminSettings | undefined {
  if (!document) return undefined;
  const listen = parseListenAddress(document.listen);
  if ('problem' in listen) return undefined; // reported by the schema
  return {
    listen,
    ...(document.publicUrl !== undefined ? { publicUrl: document.publicUrl } : {}),
    roleGroups: {
      admin: document.roleGroups?.admin ?? [],
      approver: document.roleGroups?.approver ?? [],
      auditor: document.roleGroups?.auditor ?? [],
    },
  };
}

function milliseconds(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new Error(`duration "${text}" passed validation but does not parse`);
  return value;
}
