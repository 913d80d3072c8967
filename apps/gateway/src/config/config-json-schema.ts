import { z } from 'zod';
import { gatewayConfigSchema } from './config-schema.js';

/**
 * JSON Schema (draft 2020-12) of the gateway configuration file, for editor completion and
 * validation (e.g. `# yaml-language-server: $schema=…`). It describes the file as written (input
 * side: keys with defaults are optional); file existence and secrets are checked only by the loader.
 */
export function gatewayConfigJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://gatehouse.dev/schemas/gatehouse-config.schema.json',
    ...(z.toJSONSchema(gatewayConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
  };
}

/** The committed file's exact text: stable key order, two-space indent, final newline. */
export function gatewayConfigJsonSchemaText(): string {
  return `${JSON.stringify(gatewayConfigJsonSchema(), null, 2)}\n`;
}
