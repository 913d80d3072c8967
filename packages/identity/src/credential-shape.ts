import { decodeJwt } from 'jose';
import { isAgentTokenShaped } from './agent-token-format.js';
import { TokenMalformedError } from './errors.js';

/** Far above any real token; refusing longer input bounds the work an anonymous client can cause. */
export const MAX_CREDENTIAL_LENGTH = 16 * 1024;
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** What kind of credential arrived in the password slot, read without verifying anything. */
export type CredentialShape =
  | { readonly kind: 'agent-token' }
  | { readonly kind: 'jwt'; readonly issuer: string | undefined };

/**
 * Routes a credential by its shape. The `iss` read here is unverified and only picks the verifier;
 * that verifier then checks `iss` again against its own configuration, under the signature.
 */
export function credentialShape(credential: string): CredentialShape {
  if (credential.length === 0) throw new TokenMalformedError('no token was sent in the password field');
  if (credential.length > MAX_CREDENTIAL_LENGTH) throw new TokenMalformedError(`the token is longer than ${MAX_CREDENTIAL_LENGTH} characters`);
  if (isAgentTokenShaped(credential)) return { kind: 'agent-token' };
  if (!JWS_COMPACT.test(credential)) throw new TokenMalformedError('the password is neither a JWT nor a gh_agt_ agent token');
  let payload;
  try {
    payload = decodeJwt(credential);
  } catch (error) {
    throw new TokenMalformedError('the JWT does not decode', { cause: error });
  }
  return { kind: 'jwt', issuer: typeof payload.iss === 'string' ? payload.iss : undefined };
}
