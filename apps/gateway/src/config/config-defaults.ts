/**
 * Defaults for keys a gateway configuration may leave out. One place, used by the schema (so the
 * JSON Schema shows them to editors) and by the resolver.
 */
export const CONFIG_DEFAULTS = {
  upstreamTlsMode: 'verify-full',
  drainTimeout: '30s',
  logLevel: 'info',
  rateLimitMaxFailures: 5,
  rateLimitWindow: '1m',
  oidcGroupsClaim: 'groups',
  oidcUserClaim: 'sub',
  allowPlaintextOnLoopback: false,
} as const;

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The masking HMAC key file created beside the signing key when `masking.hashKey` is absent. */
export const HASH_KEY_FILE_NAME = 'masking-hash.key';
