import { UpstreamAuthError, UpstreamAuthErrorCode } from '../errors.js';

/**
 * The answer to AuthenticationCleartextPassword is the password itself, in a PasswordMessage. It has
 * its own function so that sending a password in the clear over an unencrypted upstream connection is
 * a decision the caller states (`allowPlaintext`), never an accident.
 */
export function cleartextPasswordResponse(password: string, upstreamIsEncrypted: boolean, allowPlaintext = false): string {
  if (!upstreamIsEncrypted && !allowPlaintext) {
    throw new UpstreamAuthError(
      UpstreamAuthErrorCode.CleartextRefused,
      'upstream asked for a cleartext password over an unencrypted connection; enable TLS to the upstream or allow plaintext explicitly',
    );
  }
  return password;
}
