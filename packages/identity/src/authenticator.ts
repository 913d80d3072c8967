import type { Principal } from '@gatehouse/core';
import type { AgentTokenStore } from './agent-token-store.js';
import { credentialShape } from './credential-shape.js';
import { CredentialNotAcceptedError, IdentityConfigError, IdentityError, IdentityMismatchError, TokenIssuerError } from './errors.js';
import { createGatewayTokenVerifier } from './gateway-token.js';
import type { GatewayTokenVerifier } from './gateway-token.js';
import type { OidcVerifier } from './oidc-verifier.js';
import { printable } from './printable.js';
import type { AuthRateLimiter } from './rate-limiter.js';
import type { SigningKey } from './signing-key.js';

/** What a protocol adapter hands over after reading the startup / login message. */
export interface AuthenticationRequest {
  /** The user name the client connected as (`psql -U alice`). */
  readonly user: string;
  /** The password slot: a JWT or a `gh_agt_` token. */
  readonly credential: string;
  /** Remote address, for failed-attempt limiting. */
  readonly clientAddress: string;
}

export interface AuthenticatorOptions {
  /** The gateway's own tokens: a verifier, or the signing key (verified with default issuer/audience). */
  readonly gatewayKey?: GatewayTokenVerifier | SigningKey;
  /** One verifier per trusted identity provider, chosen by the token's `iss`. */
  readonly oidc?: OidcVerifier | readonly OidcVerifier[];
  /** Anything with `verify(token)`; normally an AgentTokenStore. */
  readonly agentStore?: Pick<AgentTokenStore, 'verify'>;
  readonly rateLimiter: AuthRateLimiter;
}

export interface Authenticator {
  /** Resolves to the proven principal, or rejects with an IdentityError subclass. */
  authenticate(request: AuthenticationRequest): Promise<Principal>;
}

type Verify = (token: string) => Promise<Principal>;

/**
 * One entry point for every dialect: check the limiter (before any crypto, so a locked-out client
 * costs a map lookup), pick the verifier by the credential's shape, verify, then insist that the
 * user the client asked for is the identity the token proves.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const gatewayKey =
    options.gatewayKey === undefined || 'verify' in options.gatewayKey
      ? options.gatewayKey
      : createGatewayTokenVerifier({ publicKey: options.gatewayKey.publicKey });
  const oidcByIssuer = new Map<string, OidcVerifier>();
  for (const verifier of options.oidc === undefined ? [] : Array.isArray(options.oidc) ? options.oidc : [options.oidc as OidcVerifier]) {
    if (oidcByIssuer.has(verifier.issuer)) throw new IdentityConfigError(`two OIDC verifiers for issuer "${verifier.issuer}"`);
    oidcByIssuer.set(verifier.issuer, verifier);
  }
  if (gatewayKey !== undefined && oidcByIssuer.has(gatewayKey.issuer)) {
    throw new IdentityConfigError(`the gateway issuer "${gatewayKey.issuer}" is also configured as an OIDC issuer; give them different names`);
  }
  const { rateLimiter, agentStore } = options;

  const chooseVerifier = (credential: string): Verify => {
    const shape = credentialShape(credential);
    if (shape.kind === 'agent-token') {
      if (agentStore === undefined) throw new CredentialNotAcceptedError('agent tokens');
      return (token) => agentStore.verify(token);
    }
    if (shape.issuer === undefined) throw new TokenIssuerError('the token has no "iss" claim');
    if (gatewayKey !== undefined && shape.issuer === gatewayKey.issuer) return (token) => gatewayKey.verify(token);
    const oidc = oidcByIssuer.get(shape.issuer);
    if (oidc !== undefined) return (token) => oidc.verify(token);
    if (gatewayKey === undefined && oidcByIssuer.size === 0) throw new CredentialNotAcceptedError('JWTs');
    // The issuer comes from an unverified token: attacker-controlled, so quoted defanged.
    throw new TokenIssuerError(`"${printable(shape.issuer)}" is not a trusted issuer`);
  };

  return {
    async authenticate(request) {
      rateLimiter.check(request);
      try {
        const principal = await chooseVerifier(request.credential)(request.credential);
        if (principal.id !== request.user) throw new IdentityMismatchError(request.user, principal.id);
        rateLimiter.recordSuccess(request);
        return principal;
      } catch (error) {
        if (error instanceof IdentityError && error.countsAsFailure) rateLimiter.recordFailure(request);
        throw error;
      }
    },
  };
}
