import { createHash } from 'node:crypto';
import { UpstreamAuthError, UpstreamAuthErrorCode } from '../errors.js';

/**
 * The answer to AuthenticationMD5Password: `'md5' + md5hex(md5hex(password + user) + salt)`, where the
 * inner hex digest is the `md5…` secret stored in pg_authid and `salt` is the server's 4 raw bytes.
 * MD5 auth is deprecated in PostgreSQL (removed from defaults since 14); it is here for old upstreams.
 */
export function md5PasswordResponse(user: string, password: string, salt: Uint8Array): string {
  if (salt.length !== 4) {
    throw new UpstreamAuthError(UpstreamAuthErrorCode.BadRequest, `MD5 salt is ${salt.length} bytes; expected 4`);
  }
  const inner = createHash('md5').update(password, 'utf8').update(user, 'utf8').digest('hex');
  const outer = createHash('md5').update(inner, 'latin1').update(salt).digest('hex');
  return `md5${outer}`;
}
