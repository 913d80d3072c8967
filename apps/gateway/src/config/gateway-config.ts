import type { Dialect } from '@gatehouse/core';
import type { UpstreamTlsMode } from '@gatehouse/proxy';
import type { TelemetryConfig } from '@gatehouse/telemetry';
import type { AdminSettings, ApprovalSettings, AuditSettings } from './control-plane-config.js';

/**
 * The gateway configuration after loading: validated, secrets resolved, paths absolute. The YAML
 * file (docs/configuration.md) is loaded into this shape by `loadGatewayConfig`; the runtime only
 * ever sees this.
 */
export interface GatewayConfig {
  /** The file it came from (for messages), absolute. */
  readonly file: string;
  /** Absolute path of the policy file. */
  readonly policy: string;
  readonly identity: IdentityConfig;
  readonly masking: MaskingConfig;
  readonly connections: readonly ConnectionConfig[];
  readonly shutdown: { readonly drainTimeoutMs: number };
  readonly log: { readonly level: string };
  /** Absent: no audit trail (and no approvals store: review statements are refused). */
  readonly audit?: AuditSettings;
  readonly approvals?: ApprovalSettings;
  /** Absent: no admin HTTP API. */
  readonly admin?: AdminSettings;
  /** OpenTelemetry and Prometheus; empty: only OTEL_* variables can turn it on (off by default). */
  readonly telemetry?: TelemetryConfig;
}

export interface IdentityConfig {
  /** Ed25519 PEM for gateway-issued tokens, created on first start when absent. */
  readonly signingKey: string;
  readonly oidc?: {
    readonly issuer: string;
    readonly audience: string;
    readonly groupsClaim: string;
    readonly userClaim: string;
    readonly jwksUri?: string;
    /** Claims that become principal attributes: names kept (list) or renamed (attribute → claim). */
    readonly attributeClaims?: readonly string[] | Readonly<Record<string, string>>;
  };
  /** JSON file of hashed agent/service tokens. */
  readonly agentTokens?: string;
  readonly rateLimit: { readonly maxFailures: number; readonly windowMs: number };
}

export interface MaskingConfig {
  /** HMAC key for `hash` and `format-preserving` masks (resolved secret). */
  readonly hashKey: string;
}

export interface ConnectionConfig {
  readonly name: string;
  readonly dialect: Dialect;
  readonly environment: string;
  readonly listen: { readonly host: string; readonly port: number };
  /** Listener certificate and key (PEM file paths); absent: a self-signed development certificate. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Accept plaintext from loopback clients (development only). */
  readonly allowPlaintextOnLoopback: boolean;
  readonly maxMessageBytes?: number;
  readonly upstream: UpstreamConfig;
  /** Overrides audit.durability for this connection. */
  readonly auditDurability?: 'before-forward' | 'async';
  /** Propagate the W3C traceparent upstream (connections[].telemetry.traceContext); off by default. */
  readonly traceContext?: boolean;
}

export interface UpstreamConfig {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** Resolved secret. */
  readonly password: string;
  /** `ca` is the PEM text (the loader reads the configured file), as node:tls takes it. */
  /** `strict`: TDS 8 strict encryption, TLS before PRELOGIN (SQL Server connections only). */
  readonly tls: { readonly mode: UpstreamTlsMode; readonly ca?: string; readonly serverName?: string; readonly strict?: boolean };
}
