import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { LocatedProblem } from '@gatehouse/core';
import { parseDuration, sortProblems } from '@gatehouse/yaml-config';
import type { YamlSource } from '@gatehouse/yaml-config';
import { CONFIG_DEFAULTS, HASH_KEY_FILE_NAME } from './config-defaults.js';
import type { GatewayConfigDocument } from './config-schema.js';
import type { ConnectionConfig, GatewayConfig } from './gateway-config.js';
import { GatewayConfigError } from './gateway-config-error.js';
import { loadOrCreateHashKey } from './hash-key-file.js';
import { parseListenAddress } from './listen-address.js';
import { parseSecretReference } from './secret-reference.js';
import { resolveAdmin, resolveApprovals, resolveAudit } from './resolve-control-plane.js';
import { resolveTelemetry } from './resolve-telemetry.js';

type Path = readonly PropertyKey[];

/** Shorter keys make hash masks guessable by brute force over a small value space. */
const MIN_HASH_KEY_LENGTH = 16;

export interface ResolveOptions {
  /** Where `${env:…}` references are read; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The second half of loading: everything the schema cannot know. Relative paths become absolute
 * (against the config file's directory), referenced files must exist, secrets are read. Every
 * problem is collected and located before anything is created (the masking key file is only made
 * once the whole configuration is known to be good).
 */
export async function resolveGatewayConfig(document: GatewayConfigDocument, source: YamlSource, options: ResolveOptions = {}): Promise<GatewayConfig> {
  const env = options.env ?? process.env;
  // Messages keep the path as the user wrote it; relative paths inside resolve against its directory.
  const baseDir = dirname(resolve(source.file));
  const problems: LocatedProblem[] = [];
  const report = (path: Path, message: string): void => {
    problems.push({ file: source.file, ...source.locate(path), message });
  };
  const absolute = (path: string): string => (isAbsolute(path) ? path : resolve(baseDir, path));

  /** An existing regular file, or a located problem (the path as written and as resolved). */
  const existingFile = async (written: string, path: Path, what: string): Promise<string> => {
    const full = absolute(written);
    const reason = await fileProblem(full);
    if (reason !== undefined) report(path, `${what} ${written}${full === written ? '' : ` (${full})`} ${reason}`);
    return full;
  };
  const readText = async (full: string): Promise<string> => readFile(full, 'utf8').catch(() => '');

  const secret = async (value: string | undefined, path: Path, what: string): Promise<string | undefined> => {
    if (value === undefined) return undefined;
    const parsed = parseSecretReference(value);
    if ('problem' in parsed) return undefined; // already reported by the schema
    if (parsed.kind === 'literal') return parsed.value;
    if (parsed.kind === 'env') {
      const found = env[parsed.name];
      if (found === undefined) report(path, `environment variable ${parsed.name} is not set (${what}); export it or use \${file:…}`);
      else if (found === '') report(path, `environment variable ${parsed.name} is empty (${what})`);
      return found;
    }
    const full = await existingFile(parsed.path, path, `${what} file`);
    const content = (await readText(full)).trim();
    if (content === '' && (await fileProblem(full)) === undefined) report(path, `${what} file ${parsed.path} is empty`);
    return content;
  };

  const policy = await existingFile(document.policy, ['policy'], 'policy file');
  const signingKey = absolute(document.identity.signingKey);
  const agentTokens = document.identity.agentTokens === undefined ? undefined : absolute(document.identity.agentTokens);
  const hashKeySecret = await secret(document.masking?.hashKey, ['masking', 'hashKey'], 'masking hashKey');
  if (hashKeySecret !== undefined && hashKeySecret !== '' && hashKeySecret.length < MIN_HASH_KEY_LENGTH) {
    report(['masking', 'hashKey'], `masking hashKey must be at least ${MIN_HASH_KEY_LENGTH} characters; use e.g. \`openssl rand -base64 32\``);
  }

  const connections: ConnectionConfig[] = [];
  for (const [index, connection] of document.connections.entries()) {
    const at = (...rest: PropertyKey[]): Path => ['connections', index, ...rest];
    const listen = parseListenAddress(connection.listen);
    if ('problem' in listen) continue; // reported by the schema
    const tls = connection.tls
      ? {
          cert: await existingFile(connection.tls.cert, at('tls', 'cert'), 'listener certificate'),
          key: await existingFile(connection.tls.key, at('tls', 'key'), 'listener key'),
        }
      : undefined;
    const upstreamTls = connection.upstream.tls ?? { mode: CONFIG_DEFAULTS.upstreamTlsMode };
    const caFile = upstreamTls.ca === undefined ? undefined : await existingFile(upstreamTls.ca, at('upstream', 'tls', 'ca'), 'upstream CA file');
    const password = await secret(connection.upstream.password, at('upstream', 'password'), `connection "${connection.name}" upstream password`);
    connections.push({
      name: connection.name,
      dialect: connection.dialect,
      environment: connection.environment,
      listen,
      ...(tls ? { tls } : {}),
      allowPlaintextOnLoopback: connection.allowPlaintextOnLoopback,
      ...(connection.maxMessageBytes !== undefined ? { maxMessageBytes: connection.maxMessageBytes } : {}),
      ...(connection.audit ? { auditDurability: connection.audit.durability } : {}),
      ...(connection.telemetry?.traceContext ? { traceContext: true } : {}),
      upstream: {
        host: connection.upstream.host,
        port: connection.upstream.port,
        database: connection.upstream.database,
        user: connection.upstream.user,
        password: password ?? '',
        tls: {
          mode: upstreamTls.mode,
          ...(caFile !== undefined ? { ca: await readText(caFile) } : {}),
          ...(upstreamTls.serverName !== undefined ? { serverName: upstreamTls.serverName } : {}),
          ...(upstreamTls.strict === true ? { strict: true } : {}),
        },
      },
    });
  }

  const controlPlane = { absolute, secret, report, signingKey };
  const audit = await resolveAudit(document.audit, controlPlane);
  const approvals = await resolveApprovals(document.approvals, controlPlane);
  const admin = resolveAdmin(document.admin);

  if (problems.length > 0) throw new GatewayConfigError('config.invalid', sortProblems(problems));

  let hashKey = hashKeySecret;
  if (hashKey === undefined) {
    const keyFile = join(dirname(signingKey), HASH_KEY_FILE_NAME);
    try {
      hashKey = (await loadOrCreateHashKey(keyFile)).key;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new GatewayConfigError('config.invalid', [
        { file: source.file, ...source.locate(['identity', 'signingKey']), message: `cannot create the masking key beside the signing key: ${reason}` },
      ]);
    }
  }

  const oidc = document.identity.oidc;
  const rateLimit = document.identity.rateLimit;
  return {
    file: resolve(source.file),
    policy,
    identity: {
      signingKey,
      ...(oidc
        ? {
            oidc: {
              issuer: oidc.issuer,
              audience: oidc.audience,
              groupsClaim: oidc.groupsClaim,
              userClaim: oidc.userClaim,
              ...(oidc.jwksUri !== undefined ? { jwksUri: oidc.jwksUri } : {}),
              ...(oidc.attributeClaims !== undefined ? { attributeClaims: oidc.attributeClaims } : {}),
            },
          }
        : {}),
      ...(agentTokens !== undefined ? { agentTokens } : {}),
      rateLimit: {
        maxFailures: rateLimit?.maxFailures ?? CONFIG_DEFAULTS.rateLimitMaxFailures,
        windowMs: milliseconds(rateLimit?.window ?? CONFIG_DEFAULTS.rateLimitWindow),
      },
    },
    masking: { hashKey },
    connections,
    shutdown: { drainTimeoutMs: milliseconds(document.shutdown?.drainTimeout ?? CONFIG_DEFAULTS.drainTimeout) },
    log: { level: document.log?.level ?? CONFIG_DEFAULTS.logLevel },
    ...(audit ? { audit } : {}),
    approvals,
    ...(admin ? { admin } : {}),
    telemetry: resolveTelemetry(document.telemetry),
  };
}

/** Durations were validated by the schema; parse them for the runtime. */
function milliseconds(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new Error(`duration "${text}" passed validation but does not parse`);
  return value;
}

/** Why a path is not a readable regular file, or undefined when it is. */
async function fileProblem(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return 'is not a regular file';
    await readFile(path, { flag: 'r' }).then(() => undefined);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'does not exist';
    if (code === 'EACCES') return 'is not readable by the gateway';
    return `cannot be read (${code ?? 'error'})`;
  }
}
