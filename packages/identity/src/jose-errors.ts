import { errors } from 'jose';
import {
  IdentityError,
  TokenAlgorithmError,
  TokenAudienceError,
  TokenClaimsError,
  TokenExpiredError,
  TokenIssuerError,
  TokenKeyNotFoundError,
  TokenMalformedError,
  TokenNotYetValidError,
  TokenSignatureError,
} from './errors.js';

/** What the verifier expected, so the mapped error can say it. */
export interface JoseErrorContext {
  readonly audience: string | readonly string[];
  readonly algorithms: readonly string[];
}

/**
 * Turns jose's errors into ours. jose's messages are not ours to promise and some embed claim
 * values, so only the error class and the claim name are used. Anything unrecognised becomes a
 * malformed-token refusal: verification failed, and failing closed is the only safe reading.
 */
export function mapJoseError(error: unknown, context: JoseErrorContext): IdentityError {
  if (error instanceof IdentityError) return error;
  const options = { cause: error };
  if (error instanceof errors.JWTExpired) {
    const exp = error.payload.exp;
    return new TokenExpiredError(typeof exp === 'number' ? new Date(exp * 1000) : undefined, options);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'aud':
        return new TokenAudienceError(context.audience, options);
      case 'iss':
        return new TokenIssuerError('the token was issued by another issuer', options);
      case 'nbf':
      case 'iat':
        return new TokenNotYetValidError(options);
      default:
        return new TokenClaimsError(`claim "${error.claim}" is ${error.reason === 'missing' ? 'missing' : 'invalid'}`, options);
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenSignatureError(undefined, options);
  if (error instanceof errors.JWKSNoMatchingKey) return new TokenKeyNotFoundError(options);
  if (error instanceof errors.JWKSMultipleMatchingKeys) return new TokenSignatureError('several keys match and none verifies', options);
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenAlgorithmError(context.algorithms, options);
  if (error instanceof errors.JOSENotSupported) return new TokenAlgorithmError(context.algorithms, options);
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return new TokenMalformedError('not a valid signed JWT', options);
  return new TokenMalformedError('the token could not be verified', options);
}
