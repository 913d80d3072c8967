import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';

export const UPSTREAM_TLS_MODES = ['disable', 'require', 'verify-full'] as const;
export type UpstreamTlsMode = (typeof UPSTREAM_TLS_MODES)[number];

export interface UpstreamTlsSettings {
  readonly mode: UpstreamTlsMode;
  /** PEM CA bundle; absent: the system's trusted CAs. */
  readonly ca?: string;
  /** The name to verify (defaults to the upstream host). */
  readonly serverName?: string;
}

/**
 * Node TLS options for the upstream, or undefined for `disable`. `require` encrypts without
 * verifying (libpq's sslmode=require); `verify-full`, the default in configuration, checks the
 * chain and the host name.
 */
export function upstreamTlsOptions(host: string, settings: UpstreamTlsSettings): ConnectionOptions | undefined {
  if (settings.mode === 'disable') return undefined;
  const serverName = settings.serverName ?? host;
  const sni = isIP(serverName) === 0 ? { servername: serverName } : {};
  if (settings.mode === 'require') return { ...sni, rejectUnauthorized: false };
  return {
    ...sni,
    rejectUnauthorized: true,
    ...(settings.ca ? { ca: settings.ca } : {}),
    // Verify against the configured name even when connecting by IP address.
    checkServerIdentity: (_host, certificate) => checkServerIdentity(serverName, certificate),
  };
}
