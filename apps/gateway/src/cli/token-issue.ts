import { PRINCIPAL_KINDS } from '@gatehouse/core';
import { issueGatewayToken, loadOrCreateSigningKey, ttlToSeconds } from '@gatehouse/identity';
import { loadSigningKeyPath } from '../config/load-gateway-config.js';
import type { CliIo } from './io.js';
import { EXIT_OK } from './io.js';
import { ATTRIBUTE_OPTIONS, attributeOptions, listOption, oneOfOption, optionalOption, parseOptions, requireOption } from './parse-options.js';
import { reportLoadError } from './policy-errors.js';
import { UsageError } from './usage-error.js';

export const TOKEN_ISSUE_USAGE =
  'gatehouse token issue --config <gatehouse.yaml> --user <id> [--groups a,b] [--kind human|agent|service] [--ttl 1h] ' +
  '[--attr key=value …] [--attr-list key=a,b …]';

const DEFAULT_TTL = '1h';

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  user: { type: 'string' },
  groups: { type: 'string' },
  kind: { type: 'string' },
  ttl: { type: 'string' },
  ...ATTRIBUTE_OPTIONS,
} as const;

/**
 * `gatehouse token issue`: signs a short-lived gateway token with the configured signing key
 * (created if absent) and prints only the token on stdout, so `$(gatehouse token issue …)` works.
 */
export async function tokenIssue(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS, false);
  const configFile = requireOption(values, 'config');
  const user = requireOption(values, 'user');
  const kind = oneOfOption('kind', optionalOption(values, 'kind') ?? 'human', PRINCIPAL_KINDS);
  const ttl = optionalOption(values, 'ttl') ?? DEFAULT_TTL;
  try {
    ttlToSeconds(ttl);
  } catch {
    throw new UsageError(`--ttl must be a duration such as 15m, 8h or 1d (got "${ttl}")`);
  }
  const attributes = attributeOptions(values);

  let signingKeyPath: string;
  try {
    signingKeyPath = await loadSigningKeyPath(configFile);
  } catch (error) {
    return reportLoadError(error, io);
  }
  const signingKey = await loadOrCreateSigningKey(signingKeyPath);
  if (signingKey.created) io.err(`created the gateway signing key ${signingKey.path}`);
  if (signingKey.insecurePermissions) io.err(`warning: ${signingKey.path} is readable by group or others; anyone who can read it can mint tokens (chmod 600 it)`);
  const token = await issueGatewayToken(signingKey, {
    user,
    groups: listOption(values['groups']),
    kind,
    ttl,
    ...(attributes === undefined ? {} : { attributes }),
  });
  io.out(token);
  return EXIT_OK;
}
