import { isIP } from 'node:net';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

const HOST_PORT = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Parses `host:port` (`127.0.0.1:6432`, `[::1]:6432`, `localhost:6432`, `0.0.0.0:6432`). Port 0
 * asks the OS for a free port. Returns a reason instead of throwing, so the loader can locate it.
 */
export function parseListenAddress(text: string): ListenAddress | { readonly problem: string } {
  const match = HOST_PORT.exec(text.trim());
  if (!match) return { problem: `listen must be "host:port", e.g. 127.0.0.1:6432 or [::1]:6432 (got "${text}")` };
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (match[1] !== undefined && isIP(host) !== 6) return { problem: `listen host "[${host}]" is not an IPv6 address` };
  if (match[1] === undefined && isIP(host) === 0 && !HOSTNAME.test(host)) return { problem: `listen host "${host}" is not an IP address or host name` };
  if (port > 65_535) return { problem: `listen port ${port} is out of range; use 1-65535 (or 0 for any free port)` };
  return { host, port };
}

/** True for addresses only this machine can reach: the only place plaintext may be allowed. */
export function isLoopbackHost(host: string): boolean {
  const lowered = host.toLowerCase();
  return lowered === 'localhost' || lowered === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(lowered);
}

/** The wildcard addresses, which overlap every specific address on the same port. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** `127.0.0.1:6432`, `[::1]:6432`: how addresses are printed. */
export function formatListenAddress(address: ListenAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
