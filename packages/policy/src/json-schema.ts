import { z } from 'zod';
import { LIST_SHORTHANDS, STRING_SHORTHANDS } from '@gatehouse/yaml-config';
import { policyDocumentSchema } from './schema-policy.js';

type JsonSchema = Record<string, unknown>;

/** Rewrites a schema object in place (zod's override hook mutates) to also accept a shorthand. */
function widen(jsonSchema: JsonSchema, alternative: (full: JsonSchema) => JsonSchema): void {
  const full = { ...jsonSchema };
  for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
  jsonSchema['anyOf'] = [alternative(full), full];
}

/**
 * JSON Schema (draft 2020-12) of a policy document, for editor completion and validation (e.g.
 * the YAML language server). Semantic checks (duplicate ids, detector references, regex safety)
 * exist only in the loader.
 */
export function policyDocumentJsonSchema(): JsonSchema {
  return z.toJSONSchema(policyDocumentSchema, {
    io: 'output',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const schema = zodSchema as unknown as z.ZodType;
      if (LIST_SHORTHANDS.has(schema)) widen(jsonSchema, (full) => (full['items'] as JsonSchema | undefined) ?? {});
      else if (STRING_SHORTHANDS.has(schema)) widen(jsonSchema, () => ({ type: 'string' }));
    },
  }) as JsonSchema;
}
