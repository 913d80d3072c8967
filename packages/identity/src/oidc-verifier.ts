import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWSAlgorithm, JWTPayload, JWTVerifyGetKey } from 'jose';
import type { Principal, PrincipalKind } from '@gatehouse/core';
import { attributeNameProblem } from './attributes.js';
import { checkPrincipalId, readAttributes, readClaim, readGroups, readKind } from './claims.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { requireSecureUrl } from './endpoint-url.js';
import { IdentityConfigError, IdentityError, OidcUnavailableError, TokenClaimsError } from './errors.js';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS } from './gateway-token.js';
import { mapJoseError } from './jose-errors.js';
import { describeFetchError, discoverJwksUri } from './oidc-discovery.js';

/** Asymmetric algorithms only: HS* would let anyone holding the (public) key forge tokens, `none` is no signature. */
export const OIDC_ACCEPTABLE_ALGORITHMS: readonly string[] = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
];
export const OIDC_DEFAULT_ALGORITHMS: readonly string[] = ['RS256', 'ES256', 'EdDSA', 'PS256'];
/** After a failed discovery, refuse quickly for this long instead of hitting the IdP on every login. */
export const DISCOVERY_RETRY_MS = 5_000;

export interface OidcVerifierOptions {
  /** Exactly as the IdP writes it in `iss` (trailing slash included if it has one). */
  readonly issuer: string;
  readonly audience: string | readonly string[];
  /** Claim that names the user; must equal the user the client connects as. Default `sub`. */
  readonly userClaim?: 'sub' | 'email' | 'preferred_username' | (string & {});
  /** Default `groups`; a dotted path (`realm_access.roles`) reaches nested claims. */
  readonly groupsClaim?: string;
  /** Claim holding `human` / `agent` / `service`; without it every principal is `defaultKind`. */
  readonly kindClaim?: string;
  readonly defaultKind?: PrincipalKind;
  /**
   * Token claims that become principal attributes (read by policy row filters as
   * `${principal.<name>}`). A list keeps each claim's name (`[tenant, region]`); a map renames
   * (`{ tenant: "https://example.com/tenant", region: "address.country" }`; dotted paths reach
   * nested claims). Values must be text, numbers, booleans or lists of those; anything else
   * refuses the token. Without it a principal has no attributes.
   */
  readonly attributeClaims?: readonly string[] | Readonly<Record<string, string>>;
  /** Skips discovery when given. */
  readonly jwksUri?: string;
  /** A subset of OIDC_ACCEPTABLE_ALGORITHMS; default RS256, ES256, EdDSA, PS256. */
  readonly algorithms?: readonly string[];
  readonly clockToleranceSeconds?: number;
  /** JWKS caching: jose refetches on an unknown `kid` at most once per cooldown. */
  readonly jwks?: { readonly cooldownMs?: number; readonly cacheMaxAgeMs?: number; readonly timeoutMs?: number };
  readonly discoveryTimeoutMs?: number;
  readonly now?: Clock;
}

export interface OidcVerifier {
  readonly issuer: string;
  /** Verifies a JWT from the IdP; returns the principal (`via: 'oidc'`). */
  verify(token: string): Promise<Principal>;
}

export function createOidcVerifier(options: OidcVerifierOptions): OidcVerifier {
  requireSecureUrl(options.issuer, 'OIDC issuer');
  const algorithms = checkAlgorithms(options.algorithms ?? OIDC_DEFAULT_ALGORITHMS);
  const audience = typeof options.audience === 'string' ? options.audience : [...options.audience];
  if (audience.length === 0) throw new IdentityConfigError('OIDC audience must not be empty');
  const userClaim = options.userClaim ?? 'sub';
  const groupsClaim = options.groupsClaim ?? 'groups';
  const attributeClaims = checkAttributeClaims(options.attributeClaims);
  const clock = options.now ?? systemClock;
  const context = { audience, algorithms };
  const keys = createKeyResolver(options, clock);

  return {
    issuer: options.issuer,
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience,
          algorithms: algorithms as JWSAlgorithm[],
          clockTolerance: options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(clock()),
          // A token without an expiry would be valid forever.
          requiredClaims: ['exp'],
        }));
      } catch (error) {
        throw mapJoseError(error, context);
      }
      const id = checkPrincipalId(readClaim(payload, userClaim), `claim "${userClaim}"`);
      // An unverified address proves nothing about who holds it.
      if (userClaim === 'email' && payload['email_verified'] === false) throw new TokenClaimsError('the email address is not verified by the identity provider');
      const attributes = readAttributes(payload, attributeClaims);
      return {
        id,
        groups: readGroups(readClaim(payload, groupsClaim), groupsClaim),
        kind: options.kindClaim === undefined ? (options.defaultKind ?? 'human') : readKind(readClaim(payload, options.kindClaim), options.defaultKind ?? 'human', options.kindClaim),
        via: 'oidc',
        ...(attributes === undefined ? {} : { attributes }),
      };
    },
  };
}

/** The attribute → claim map, checked once at start: names must be usable in policy. */
function checkAttributeClaims(claims: OidcVerifierOptions['attributeClaims']): Readonly<Record<string, string>> {
  if (claims === undefined) return {};
  const entries: [string, string][] = Array.isArray(claims)
    ? (claims as readonly string[]).map((claim) => [claim, claim])
    : Object.entries(claims as Readonly<Record<string, string>>);
  for (const [name, claim] of entries) {
    const problem = attributeNameProblem(name);
    if (problem !== undefined) {
      const rename = Array.isArray(claims) ? '; map it to a usable name instead, e.g. { tenant: "<claim>" }' : '';
      throw new IdentityConfigError(`OIDC attributeClaims: ${problem}${rename}`);
    }
    if (typeof claim !== 'string' || claim.length === 0) throw new IdentityConfigError(`OIDC attributeClaims: attribute "${name}" needs a claim name`);
  }
  return Object.fromEntries(entries);
}

function checkAlgorithms(algorithms: readonly string[]): readonly string[] {
  if (algorithms.length === 0) throw new IdentityConfigError('OIDC algorithms must not be empty');
  for (const algorithm of algorithms) {
    if (!OIDC_ACCEPTABLE_ALGORITHMS.includes(algorithm)) {
      throw new IdentityConfigError(`OIDC algorithm "${algorithm}" is not allowed; choose from ${OIDC_ACCEPTABLE_ALGORITHMS.join(', ')}`);
    }
  }
  return [...algorithms];
}

/**
 * Resolves the signing key for a token: discovery (once, lazily) → jose's remote JWKS (cached,
 * refetch on unknown `kid` rate-limited by its cooldown). Every failure to reach the IdP becomes
 * OidcUnavailableError; the token is refused either way (fail closed).
 */
function createKeyResolver(options: OidcVerifierOptions, clock: Clock): JWTVerifyGetKey {
  const explicit = options.jwksUri === undefined ? undefined : requireSecureUrl(options.jwksUri, 'OIDC jwksUri');
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  let discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  let lastFailure: { at: number; error: OidcUnavailableError } | undefined;

  const remote = (url: URL) =>
    createRemoteJWKSet(url, {
      cooldownDuration: options.jwks?.cooldownMs ?? 30_000,
      cacheMaxAge: options.jwks?.cacheMaxAgeMs ?? 600_000,
      timeoutDuration: options.jwks?.timeoutMs ?? 5_000,
    });

  async function keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (jwks !== undefined) return jwks;
    if (explicit !== undefined) return (jwks = remote(explicit));
    if (lastFailure !== undefined && clock() - lastFailure.at < DISCOVERY_RETRY_MS) {
      throw new OidcUnavailableError(`discovery failed recently: ${lastFailure.error.message}`, { cause: lastFailure.error });
    }
    // One discovery in flight at a time, shared by concurrent logins.
    discovering ??= discoverJwksUri(options.issuer, options.discoveryTimeoutMs).then(
      (url) => (jwks = remote(url)),
      (error: unknown) => {
        const failure = error instanceof OidcUnavailableError ? error : new OidcUnavailableError(describeFetchError(error), { cause: error });
        lastFailure = { at: clock(), error: failure };
        throw failure;
      },
    );
    try {
      return await discovering;
    } finally {
      discovering = undefined;
    }
  }

  return async (header, token) => {
    const set = await keySet();
    try {
      return await set(header, token);
    } catch (error) {
      if (isTokenProblem(error)) throw error;
      throw new OidcUnavailableError(`key set ${jwksLabel(error)}`, { cause: error });
    }
  };
}

/** Errors from the key set that are about the token, not about reaching the IdP. */
function isTokenProblem(error: unknown): boolean {
  return (
    error instanceof IdentityError ||
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys ||
    error instanceof errors.JOSEAlgNotAllowed ||
    error instanceof errors.JOSENotSupported
  );
}

function jwksLabel(error: unknown): string {
  if (error instanceof errors.JWKSTimeout) return 'fetch timed out';
  if (error instanceof errors.JWKSInvalid) return 'is not a valid JWKS';
  if (error instanceof errors.JOSEError) return 'fetch failed (the IdP did not answer 200 with JSON)';
  return `could not be fetched (${describeFetchError(error)})`;
}
