import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { PRINCIPAL_KINDS } from '@gatehouse/core';
import type { Principal, PrincipalAttributeValue, PrincipalKind } from '@gatehouse/core';
import { checkAttributes } from './attributes.js';
import { checkPrincipalId, readGroups, readKind } from './claims.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { ttlToSeconds } from './duration.js';
import type { Ttl } from './duration.js';
import { IdentityConfigError, TokenClaimsError } from './errors.js';
import { mapJoseError } from './jose-errors.js';
import type { SigningKey } from './signing-key.js';

export const DEFAULT_GATEWAY_ISSUER = 'gatehouse';
export const DEFAULT_GATEWAY_AUDIENCE = 'gatehouse';
/** Allowed skew between the clocks of whoever checks a token and the gateway that issued it. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

/** Ed25519 only: the gateway signs with one key type, so nothing else may verify. */
const GATEWAY_ALGORITHMS = ['EdDSA', 'Ed25519'];

/** Attributes a gateway token carries in its `attrs` claim (checked by checkAttributes: names, types, sizes). */
export type GatewayTokenAttributes = Readonly<Record<string, PrincipalAttributeValue>>;

export interface IssueGatewayTokenOptions {
  readonly user: string;
  readonly groups?: readonly string[];
  readonly kind: PrincipalKind;
  /** Lifetime: seconds, or `'15m'`, `'8h'`, … */
  readonly ttl: Ttl;
  readonly attributes?: GatewayTokenAttributes;
  readonly audience?: string;
  readonly issuer?: string;
  readonly now?: Clock;
}

/** Signs a short-lived gateway token (compact JWS, EdDSA) for one principal. */
export async function issueGatewayToken(key: Pick<SigningKey, 'privateKey' | 'keyId'>, options: IssueGatewayTokenOptions): Promise<string> {
  const user = asConfigError(() => checkPrincipalId(options.user, 'user'));
  const groups = asConfigError(() => readGroups(options.groups ?? [], 'groups'));
  if (!(PRINCIPAL_KINDS as readonly string[]).includes(options.kind)) {
    throw new IdentityConfigError(`kind must be one of ${PRINCIPAL_KINDS.join(', ')}, got "${String(options.kind)}"`);
  }
  const issuedAt = Math.floor((options.now ?? systemClock)() / 1000);
  const claims: Record<string, unknown> = { groups, kind: options.kind };
  if (options.attributes !== undefined) claims['attrs'] = asConfigError(() => checkAttributes(options.attributes ?? {}));
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: key.keyId })
    .setSubject(user)
    .setIssuer(options.issuer ?? DEFAULT_GATEWAY_ISSUER)
    .setAudience(options.audience ?? DEFAULT_GATEWAY_AUDIENCE)
    .setIssuedAt(issuedAt)
    // nbf makes a verifier whose clock runs behind refuse the token instead of trusting it early.
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + ttlToSeconds(options.ttl))
    .setJti(randomUUID())
    .sign(key.privateKey);
}

export interface GatewayTokenVerifierOptions {
  /** The gateway's public key (`SigningKey.publicKey`). */
  readonly publicKey: KeyObject;
  readonly issuer?: string;
  readonly audience?: string;
  readonly clockToleranceSeconds?: number;
  readonly now?: Clock;
}

export interface GatewayTokenVerifier {
  readonly issuer: string;
  /** Verifies signature, issuer, audience, expiry; returns the principal (`via: 'gateway-token'`). */
  verify(token: string): Promise<Principal>;
}

export function createGatewayTokenVerifier(options: GatewayTokenVerifierOptions): GatewayTokenVerifier {
  if (options.publicKey.type !== 'public' || options.publicKey.asymmetricKeyType !== 'ed25519') {
    throw new IdentityConfigError('the gateway token verifier needs the Ed25519 public key (SigningKey.publicKey)');
  }
  const issuer = options.issuer ?? DEFAULT_GATEWAY_ISSUER;
  const audience = options.audience ?? DEFAULT_GATEWAY_AUDIENCE;
  const clock = options.now ?? systemClock;
  const context = { audience, algorithms: GATEWAY_ALGORITHMS };

  return {
    issuer,
    async verify(token) {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, options.publicKey, {
          issuer,
          audience,
          algorithms: GATEWAY_ALGORITHMS,
          clockTolerance: options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(clock()),
          // We always set these; a token without them was not made by issueGatewayToken.
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        }));
      } catch (error) {
        throw mapJoseError(error, context);
      }
      const attributes = readIssuedAttributes(payload['attrs']);
      return {
        id: checkPrincipalId(payload.sub, 'claim "sub"'),
        groups: readGroups(payload['groups'], 'groups'),
        kind: readKind(payload['kind'], 'human', 'kind'),
        via: 'gateway-token',
        ...(attributes === undefined ? {} : { attributes }),
      };
    },
  };
}

function readIssuedAttributes(value: unknown): Record<string, PrincipalAttributeValue> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TokenClaimsError('claim "attrs" must be an object');
  return checkAttributes(value as Record<string, unknown>);
}

function asConfigError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    // The same checks guard incoming tokens (TokenClaimsError); when issuing, the caller passed bad input.
    throw error instanceof TokenClaimsError ? new IdentityConfigError(`cannot issue a token: ${error.detail}`, { cause: error }) : error;
  }
}
