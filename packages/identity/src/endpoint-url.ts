import { IdentityConfigError } from './errors.js';

/** Hosts where plain http is tolerated: the traffic never leaves the machine (tests, local IdPs). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Parses an identity-provider URL and insists on https, except on loopback. Keys fetched over plain
 * http from a remote host could be swapped by anyone on the path, who could then sign any identity.
 */
export function requireSecureUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new IdentityConfigError(`${what} "${value}" is not a URL`, { cause: error });
  }
  if (url.username !== '' || url.password !== '') throw new IdentityConfigError(`${what} must not carry credentials`);
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return url;
  throw new IdentityConfigError(`${what} "${url.origin}" must use https (plain http is allowed only for 127.0.0.1, localhost and [::1])`);
}
