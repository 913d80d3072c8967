import { z } from 'zod';
import { DIALECTS } from '@gatehouse/core';
import { attributeNameProblem } from '@gatehouse/identity';
import { UPSTREAM_TLS_MODES } from '@gatehouse/proxy';
import { ALWAYS, asRecord, duration, oneOf, strictMap, text, wholeNumber } from '@gatehouse/yaml-config';
import { CONFIG_DEFAULTS, LOG_LEVELS } from './config-defaults.js';
import { isLoopbackHost, isWildcardHost, parseListenAddress } from './listen-address.js';
import { parseSecretReference } from './secret-reference.js';
import { adminSection, approvalsSection, auditSection, connectionAuditSection } from './control-plane-schema.js';
import { connectionTelemetrySection, telemetrySection } from './telemetry-schema.js';

/*
 * The gateway configuration FILE as written (docs/configuration.md). Validation here is purely
 * about shape and values; files and secrets are checked afterwards by resolve-config.ts, with the
 * same file:line:col locations. No transforms, so the JSON Schema export describes the input.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function nonEmptyText(what: string) {
  return text(what).min(1, { error: `${what} must not be empty` });
}

function filePath(what: string) {
  return nonEmptyText(what).meta({ description: `${what}; relative paths resolve against the configuration file's directory` });
}

function secret(what: string) {
  return text(what)
    .superRefine((value, context) => {
      const parsed = parseSecretReference(value);
      if ('problem' in parsed) context.addIssue({ code: 'custom', message: `${what}: ${parsed.problem}` });
    })
    .meta({ description: `${what}: \${env:NAME}, \${file:./path} (content, trimmed) or a literal (not recommended)` });
}

function httpUrl(what: string) {
  return nonEmptyText(what).superRefine((value, context) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      context.addIssue({ code: 'custom', message: `${what} must be an http(s) URL, e.g. https://idp.example.com (got "${value}")` });
    }
  });
}

const listen = text('listen')
  .superRefine((value, context) => {
    const parsed = parseListenAddress(value);
    if ('problem' in parsed) context.addIssue({ code: 'custom', message: parsed.problem });
  })
  .meta({ description: 'Where clients connect: "host:port", e.g. 127.0.0.1:6432 or [::1]:6432; port 0 picks a free port' });

const listenerTls = strictMap('listener tls', {
  cert: filePath('listener certificate (PEM)'),
  key: filePath('listener private key (PEM)'),
}).meta({ description: 'The certificate clients see; absent: a self-signed development certificate' });

const upstreamTls = strictMap('upstream tls', {
  mode: oneOf('upstream tls mode', UPSTREAM_TLS_MODES)
    .default(CONFIG_DEFAULTS.upstreamTlsMode)
    .meta({ description: 'disable: plaintext; require: encrypted, not verified; verify-full: chain and host name verified' }),
  ca: filePath('CA bundle (PEM) that signed the database certificate').optional(),
  serverName: nonEmptyText('upstream tls serverName').meta({ description: 'The name to verify (default: upstream host)' }).optional(),
  strict: z
    .boolean({ error: 'upstream tls strict must be true or false' })
    .meta({ description: 'SQL Server only: TDS 8 strict encryption (TLS before PRELOGIN, as Encrypt=Strict); needs mode require or verify-full' })
    .optional(),
});

const upstream = strictMap('upstream', {
  host: nonEmptyText('upstream host'),
  port: wholeNumber('upstream port', 1, 65_535),
  database: nonEmptyText('upstream database'),
  user: nonEmptyText('upstream user'),
  password: secret('upstream password').optional(),
  tls: upstreamTls.optional(),
}).meta({ description: 'The database the gateway logs in to, as its own service account' });

const connection = strictMap('connection', {
  name: nonEmptyText('connection name').regex(NAME, { error: 'connection name may use letters, digits, ".", "_" and "-", starting with a letter or digit' }),
  dialect: oneOf('dialect', DIALECTS),
  environment: nonEmptyText('environment').meta({ description: 'What policies match with `environment:` (prod, staging, …)' }),
  listen,
  tls: listenerTls.optional(),
  allowPlaintextOnLoopback: z
    .boolean({ error: 'allowPlaintextOnLoopback must be true or false' })
    .default(CONFIG_DEFAULTS.allowPlaintextOnLoopback)
    .meta({ description: 'Accept clients without TLS when the listener is on a loopback address (development only)' }),
  maxMessageBytes: wholeNumber('maxMessageBytes', 1024).optional(),
  upstream,
  audit: connectionAuditSection.optional(),
  telemetry: connectionTelemetrySection.optional(),
}).superRefine((value, context) => {
  // Runs even when other keys failed (ALWAYS), so the input may be malformed.
  const record = asRecord(value);
  strictUpstreamProblems(record, context);
  if (record['allowPlaintextOnLoopback'] !== true || typeof record['listen'] !== 'string') return;
  const parsed = parseListenAddress(record['listen']);
  if ('host' in parsed && !isLoopbackHost(parsed.host)) {
    context.addIssue({
      code: 'custom',
      path: ['allowPlaintextOnLoopback'],
      message: `allowPlaintextOnLoopback is only allowed when listen is a loopback address (127.0.0.1, ::1, localhost), not "${parsed.host}"`,
    });
  }
}, ALWAYS);

/** TDS 8 strict mode is SQL Server's, and it is TLS: it needs an upstream TLS mode that encrypts. */
function strictUpstreamProblems(record: Readonly<Record<string, unknown>>, context: z.RefinementCtx): void {
  const tls = asRecord(asRecord(record['upstream'])['tls']);
  if (tls['strict'] !== true) return;
  const path = ['upstream', 'tls', 'strict'];
  if (typeof record['dialect'] === 'string' && record['dialect'] !== 'mssql') {
    context.addIssue({ code: 'custom', path, message: `upstream tls strict is TDS 8 (SQL Server) only; remove it for a ${record['dialect']} connection` });
  }
  if ((tls['mode'] ?? CONFIG_DEFAULTS.upstreamTlsMode) === 'disable') {
    context.addIssue({ code: 'custom', path, message: 'upstream tls strict needs TLS: set upstream tls mode to require or verify-full' });
  }
}

type ListenKey = { host: string; port: number; index: number };

/** Two listeners on one port conflict when their hosts are equal or either is a wildcard. */
function conflicts(a: ListenKey, b: ListenKey): boolean {
  if (a.port === 0 || a.port !== b.port) return false;
  return a.host.toLowerCase() === b.host.toLowerCase() || isWildcardHost(a.host) || isWildcardHost(b.host);
}

const connections = z
  .array(connection, { error: 'connections must be a list of connections' })
  .min(1, { error: 'connections is empty; configure at least one connection' })
  .superRefine((list, context) => {
    const names = new Map<string, number>();
    const listens: ListenKey[] = [];
    list.forEach((item, index) => {
      const record = asRecord(item);
      const name = record['name'];
      if (typeof name === 'string') {
        const first = names.get(name);
        if (first === undefined) names.set(name, index);
        else context.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate connection name "${name}"`, params: { firstPath: ['connections', first, 'name'] } });
      }
      const parsed = typeof record['listen'] === 'string' ? parseListenAddress(record['listen']) : undefined;
      if (parsed === undefined || 'problem' in parsed) return;
      const key = { ...parsed, index };
      const clash = listens.find((other) => conflicts(other, key));
      if (clash) {
        context.addIssue({
          code: 'custom',
          path: [index, 'listen'],
          message: `listen address ${record['listen'] as string} is already used by another connection`,
          params: { firstPath: ['connections', clash.index, 'listen'] },
        });
      } else listens.push(key);
    });
  }, ALWAYS);

const oidc = strictMap('oidc', {
  issuer: httpUrl('oidc issuer'),
  audience: nonEmptyText('oidc audience'),
  groupsClaim: nonEmptyText('oidc groupsClaim').default(CONFIG_DEFAULTS.oidcGroupsClaim),
  userClaim: nonEmptyText('oidc userClaim').default(CONFIG_DEFAULTS.oidcUserClaim),
  jwksUri: httpUrl('oidc jwksUri').meta({ description: 'Default: discovered from the issuer' }).optional(),
  attributeClaims: attributeClaims().optional(),
}).meta({ description: 'Trust JWTs from an OpenID Connect identity provider' });

/**
 * Which token claims become principal attributes (for row filters): a list keeps the claim names,
 * a map names the attribute and the claim (a dotted path reaches a nested claim).
 */
function attributeClaims() {
  const claim = nonEmptyText('oidc attributeClaims claim');
  const attributeName = (name: string, context: z.core.$RefinementCtx, path: PropertyKey[]) => {
    const problem = attributeNameProblem(name);
    if (problem !== undefined) context.addIssue({ code: 'custom', path, message: `oidc attributeClaims: ${problem}` });
  };
  const asList = z.array(claim).superRefine((claims, context) => {
    claims.forEach((name, index) => attributeName(name, context, [index]));
  });
  const asMap = z.record(z.string(), claim).superRefine((claims, context) => {
    for (const name of Object.keys(claims)) attributeName(name, context, [name]);
  });
  return z
    .union([asList, asMap], { error: 'oidc attributeClaims must be a list of claim names or a map of attribute: claim' })
    .meta({ description: 'Token claims that become principal attributes: [tenant, region] or { tenant: "https://example.com/tenant", region: "address.country" }' });
}

const identity = strictMap('identity', {
  signingKey: filePath('gateway signing key (Ed25519 PEM), created on first start when absent'),
  oidc: oidc.optional(),
  agentTokens: filePath('agent token store (JSON, hashed tokens)').optional(),
  rateLimit: strictMap('rateLimit', {
    maxFailures: wholeNumber('rateLimit maxFailures', 1).default(CONFIG_DEFAULTS.rateLimitMaxFailures),
    window: duration('rateLimit window').default(CONFIG_DEFAULTS.rateLimitWindow),
  })
    .meta({ description: 'Failed logins allowed per client address and window before it is locked out' })
    .optional(),
});

export const gatewayConfigSchema = strictMap('gateway configuration', {
  policy: filePath('policy file'),
  identity,
  masking: strictMap('masking', {
    hashKey: secret('masking hashKey')
      .meta({ description: 'HMAC key for hash masks; absent: a random key kept in a file beside the signing key' })
      .optional(),
  }).optional(),
  connections,
  shutdown: strictMap('shutdown', {
    drainTimeout: duration('shutdown drainTimeout')
      .default(CONFIG_DEFAULTS.drainTimeout)
      .meta({ description: 'How long statements in flight may take to finish on SIGTERM' }),
  }).optional(),
  log: strictMap('log', { level: oneOf('log level', LOG_LEVELS).default(CONFIG_DEFAULTS.logLevel) }).optional(),
  audit: auditSection.meta({ description: 'The audit trail (and the control-plane store approvals share); absent: no audit, review statements are refused' }).optional(),
  approvals: approvalsSection.optional(),
  admin: adminSection.meta({ description: 'The admin HTTP API (approvals, audit, sessions); absent: not started' }).optional(),
  telemetry: telemetrySection.optional(),
}).meta({ title: 'Gatehouse gateway configuration', description: 'See docs/configuration.md' });

export type GatewayConfigDocument = z.output<typeof gatewayConfigSchema>;
