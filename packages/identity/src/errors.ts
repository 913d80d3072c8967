import { GatehouseError } from '@gatehouse/core';
import { printable } from './printable.js';

/**
 * Base of every identity error. Subclasses carry a stable `code`; messages say what was wrong and
 * what to do, and never contain the token or its secret (they end up in logs and client errors).
 */
export class IdentityError extends GatehouseError {
  /**
   * Whether this refusal counts as a failed attempt for the rate limiter. A client presenting a bad
   * token is the thing we throttle; an outage on our side (IdP unreachable) is not the client's fault
   * and must not lock everybody out while it lasts.
   */
  readonly countsAsFailure: boolean = true;
}

/** The credential is not a JWT nor a `gh_agt_` token, or its parts do not decode. */
export class TokenMalformedError extends IdentityError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('identity.token_malformed', `malformed token: ${detail}; send a token from \`gatehouse token issue\` or your identity provider as the password`, options);
  }
}

/** The token's expiry is in the past (beyond the clock tolerance). */
export class TokenExpiredError extends IdentityError {
  readonly expiredAt: Date | undefined;

  /** `renew` says how to get a new token; agent tokens are renewed by an admin, not by their holder. */
  constructor(expiredAt: Date | undefined, options?: { cause?: unknown; renew?: string }) {
    const when = expiredAt === undefined ? '' : ` at ${expiredAt.toISOString()}`;
    const renew = options?.renew ?? 'get a new token with `gatehouse token issue`';
    super('identity.token_expired', `token expired${when}; ${renew}`, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.expiredAt = expiredAt;
  }
}

/** The token was issued for another audience (another service). */
export class TokenAudienceError extends IdentityError {
  constructor(expected: string | readonly string[], options?: { cause?: unknown }) {
    const list = typeof expected === 'string' ? expected : expected.join('", "');
    super('identity.token_audience', `token audience is not "${list}"; request a token for this gateway`, options);
  }
}

/** The token's issuer is not the one configured, or not trusted at all. */
export class TokenIssuerError extends IdentityError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('identity.token_issuer', `token issuer not accepted: ${detail}`, options);
  }
}

/** The signature does not verify: another key signed it, or the token was altered. */
export class TokenSignatureError extends IdentityError {
  constructor(detail = 'signature verification failed', options?: { cause?: unknown }) {
    super('identity.token_signature', `token signature is invalid (${detail}); the token was altered or signed by another key`, options);
  }
}

/** The token names a signing key (`kid`) the issuer does not publish. */
export class TokenKeyNotFoundError extends IdentityError {
  constructor(options?: { cause?: unknown }) {
    super('identity.token_key_not_found', "no key in the issuer's key set matches the token; the key was rotated away or the token is forged", options);
  }
}

/** The token's algorithm is not on the allow-list (e.g. `none`, or HS256 against a public key). */
export class TokenAlgorithmError extends IdentityError {
  constructor(allowed: readonly string[], options?: { cause?: unknown }) {
    super('identity.token_algorithm', `token signing algorithm not accepted; accepted: ${allowed.join(', ')}`, options);
  }
}

/** `nbf` (or `iat`) is in the future beyond the clock tolerance. */
export class TokenNotYetValidError extends IdentityError {
  constructor(options?: { cause?: unknown }) {
    super('identity.token_not_yet_valid', 'token is not valid yet (nbf/iat in the future); check the clocks of the issuer and the gateway', options);
  }
}

/** The token verifies but its claims are not usable (missing subject, bad groups, unknown kind, …). */
export class TokenClaimsError extends IdentityError {
  /** The problem without the prefix, for callers that reword it (e.g. when issuing a token). */
  readonly detail: string;

  constructor(detail: string, options?: { cause?: unknown }) {
    super('identity.token_claims', `token claims are not usable: ${detail}`, options);
    this.detail = detail;
  }
}

/** An agent token whose id is unknown or whose secret does not match (deliberately not told apart). */
export class UnknownAgentTokenError extends IdentityError {
  constructor() {
    super('identity.agent_token_unknown', 'agent token not recognised; check it was copied whole, or create a new one with `gatehouse token create`');
  }
}

/** A valid agent token that an admin revoked. Only reported to a holder of the right secret. */
export class TokenRevokedError extends IdentityError {
  readonly tokenId: string;

  constructor(tokenId: string, revokedAt: string) {
    super('identity.token_revoked', `agent token ${tokenId} was revoked at ${revokedAt}; ask an admin for a new one`);
    this.tokenId = tokenId;
  }
}

/** The user the client connected as is not the identity the token proves (`psql -U alice` with bob's token). */
export class IdentityMismatchError extends IdentityError {
  readonly requestedUser: string;
  readonly tokenSubject: string;

  constructor(requestedUser: string, tokenSubject: string) {
    const asked = printable(requestedUser);
    const owner = printable(tokenSubject);
    super('identity.mismatch', `the connection asked for user "${asked}" but the token belongs to "${owner}"; connect as "${owner}" or use a token issued to "${asked}"`);
    this.requestedUser = requestedUser;
    this.tokenSubject = tokenSubject;
  }
}

/** The credential kind is recognised but that verifier is not configured on this gateway. */
export class CredentialNotAcceptedError extends IdentityError {
  constructor(kind: string) {
    super('identity.credential_not_accepted', `${kind} are not enabled on this gateway; use another kind of token or ask an admin to enable them`);
  }
}

/** The identity provider's discovery document or key set could not be fetched. Still a refusal. */
export class OidcUnavailableError extends IdentityError {
  override readonly countsAsFailure = false;

  constructor(detail: string, options?: { cause?: unknown }) {
    super('identity.oidc_unavailable', `cannot verify the token: identity provider unavailable (${detail}); try again shortly`, options);
  }
}

/** Too many failed attempts from this address or for this identity. */
export class AuthRateLimitedError extends IdentityError {
  override readonly countsAsFailure = false;
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number) {
    super('identity.rate_limited', `too many failed authentication attempts; try again in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Invalid identity configuration (bad issuer URL, http for a remote IdP, forbidden algorithm, …). */
export class IdentityConfigError extends IdentityError {
  override readonly countsAsFailure = false;

  constructor(detail: string, options?: { cause?: unknown }) {
    super('identity.config', detail, options);
  }
}

/** The signing key file cannot be read, created or parsed. */
export class SigningKeyError extends IdentityError {
  override readonly countsAsFailure = false;

  constructor(detail: string, options?: { cause?: unknown }) {
    super('identity.signing_key', detail, options);
  }
}

/** The agent token store file cannot be read or written. Fails closed: no agent token verifies. */
export class AgentTokenStoreError extends IdentityError {
  override readonly countsAsFailure = false;

  constructor(detail: string, options?: { cause?: unknown }) {
    super('identity.agent_token_store', detail, options);
  }
}
