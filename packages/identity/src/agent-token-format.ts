import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TokenMalformedError } from './errors.js';

/** Recognisable prefix: secret scanners (and humans) can spot a leaked token by it. */
export const AGENT_TOKEN_PREFIX = 'gh_agt_';
const ID_BYTES = 8;
const SECRET_BYTES = 32;
// The id is hex so it never contains `_`; the secret is base64url and may.
const SHAPE = /^gh_agt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface AgentTokenParts {
  readonly id: string;
  readonly secret: string;
}

/** A new token: a public id (to look the record up) and a 256-bit random secret. */
export function generateAgentToken(): AgentTokenParts & { readonly token: string } {
  const id = randomBytes(ID_BYTES).toString('hex');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { id, secret, token: `${AGENT_TOKEN_PREFIX}${id}_${secret}` };
}

export function isAgentTokenShaped(credential: string): boolean {
  return credential.startsWith(AGENT_TOKEN_PREFIX);
}

export function parseAgentToken(token: string): AgentTokenParts {
  const match = SHAPE.exec(token);
  if (match === null) throw new TokenMalformedError('agent tokens look like gh_agt_<16 hex>_<43 base64url characters>');
  return { id: match[1]!, secret: match[2]! };
}

/**
 * SHA-256 is enough here (no salt, no slow KDF): the secret is 256 random bits, not a password, so
 * there is nothing to brute-force and a fast hash keeps verification cheap.
 */
export function hashAgentSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Compares in constant time. Hashing first gives both sides the same length whatever was presented,
 * so timingSafeEqual never throws and the timing reveals nothing about the stored hash.
 */
export function agentSecretMatches(secret: string, storedSha256Hex: string): boolean {
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  const stored = Buffer.from(storedSha256Hex, 'hex');
  if (stored.length !== presented.length) {
    // A damaged record: still spend the comparison so this path costs the same.
    timingSafeEqual(presented, presented);
    return false;
  }
  return timingSafeEqual(presented, stored);
}
