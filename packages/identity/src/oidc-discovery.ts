import { requireSecureUrl } from './endpoint-url.js';
import { IdentityError, OidcUnavailableError } from './errors.js';

export const DISCOVERY_TIMEOUT_MS = 5_000;
/** Discovery documents are small; anything bigger is not one, and we will not buffer it. */
const MAX_DISCOVERY_BYTES = 512 * 1024;

/** Where `${issuer}/.well-known/openid-configuration` lives (OpenID Connect Discovery 1.0, §4). */
export function discoveryUrl(issuer: string): URL {
  const base = requireSecureUrl(issuer, 'OIDC issuer');
  return new URL(`${base.href.replace(/\/+$/, '')}/.well-known/openid-configuration`);
}

/**
 * Fetches the discovery document and returns its `jwks_uri`. The document's `issuer` must equal
 * the configured one exactly (Discovery §4.3): otherwise one provider could vouch for another's keys.
 * Redirects are not followed, for the same reason jose does not follow them for the JWKS.
 */
export async function discoverJwksUri(issuer: string, timeoutMs = DISCOVERY_TIMEOUT_MS): Promise<URL> {
  const url = discoveryUrl(issuer);
  let document: unknown;
  try {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (response.status !== 200) throw new OidcUnavailableError(`discovery at ${url.href} answered HTTP ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_DISCOVERY_BYTES) throw new OidcUnavailableError(`discovery document at ${url.href} is too large`);
    document = JSON.parse(text);
  } catch (error) {
    if (error instanceof IdentityError) throw error;
    const reason = error instanceof SyntaxError ? 'is not JSON' : `could not be fetched (${describeFetchError(error)})`;
    throw new OidcUnavailableError(`discovery document at ${url.href} ${reason}`, { cause: error });
  }
  if (document === null || typeof document !== 'object') throw new OidcUnavailableError(`discovery document at ${url.href} is not a JSON object`);
  const { issuer: advertised, jwks_uri: jwksUri } = document as Record<string, unknown>;
  if (advertised !== issuer) {
    throw new OidcUnavailableError(`discovery document at ${url.href} names issuer "${String(advertised)}", not the configured "${issuer}"`);
  }
  if (typeof jwksUri !== 'string') throw new OidcUnavailableError(`discovery document at ${url.href} has no jwks_uri`);
  try {
    return requireSecureUrl(jwksUri, 'jwks_uri');
  } catch (error) {
    throw new OidcUnavailableError(`discovery document at ${url.href}: ${(error as Error).message}`, { cause: error });
  }
}

/** fetch() rejects with "fetch failed" and hides the useful part (ECONNREFUSED, …) in `cause`. */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
  const cause = (error as { cause?: unknown }).cause;
  const code = cause instanceof Error ? (cause as NodeJS.ErrnoException).code : undefined;
  return code ?? error.message;
}
