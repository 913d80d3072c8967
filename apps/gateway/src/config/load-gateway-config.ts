import { dirname, resolve } from 'node:path';
import type { LocatedProblem } from '@gatehouse/core';
import { readSource, validateYaml } from '@gatehouse/yaml-config';
import type { LoadErrorFactory, NamedLists } from '@gatehouse/yaml-config';
import { gatewayConfigSchema } from './config-schema.js';
import type { GatewayConfig } from './gateway-config.js';
import { GatewayConfigError } from './gateway-config-error.js';
import { resolveGatewayConfig } from './resolve-config.js';
import type { ResolveOptions } from './resolve-config.js';

/** Messages name connections by name: `connection "orders" upstream port …`. */
const NAMED_LISTS: NamedLists = { connections: { item: 'connection', nameKey: 'name' } };
const configError: LoadErrorFactory = (code: string, problems: readonly LocatedProblem[]) => new GatewayConfigError(code, problems);

/**
 * Loads a gateway configuration file into the runtime's GatewayConfig: validated, secrets
 * resolved, paths absolute. Either all of it is good, or a GatewayConfigError lists every problem
 * as file:line:col and nothing has been created or started.
 */
export async function loadGatewayConfig(path: string, options: ResolveOptions = {}): Promise<GatewayConfig> {
  const text = await readSource(path, 'config.unreadable', configError);
  return loadGatewayConfigText(text, path, options);
}

/** The same from text already read; `file` locates problems and anchors relative paths. */
export async function loadGatewayConfigText(text: string, file: string, options: ResolveOptions = {}): Promise<GatewayConfig> {
  const { data, source } = validateYaml(text, file, gatewayConfigSchema, { code: 'config.invalid', namedLists: NAMED_LISTS, createError: configError });
  return resolveGatewayConfig(data, source, options);
}

/**
 * Only what issuing tokens needs: the signing key's absolute path. The file must still be a valid
 * configuration, but secrets and referenced files are not resolved, so minting a token never
 * needs the database password in the environment.
 */
export async function loadSigningKeyPath(path: string): Promise<string> {
  const text = await readSource(path, 'config.unreadable', configError);
  const { data } = validateYaml(text, path, gatewayConfigSchema, { code: 'config.invalid', namedLists: NAMED_LISTS, createError: configError });
  return resolve(dirname(resolve(path)), data.identity.signingKey);
}
