import { z } from 'zod';
import { LIST_SHORTHANDS, STRING_SHORTHANDS } from '@gatehouse/yaml-config';
import { policyDocumentSchema } from './schema-policy.js';
import { ROW_PREDICATE_SCHEMAS } from './schema-row-filter.js';

type JsonSchema = Record<string, unknown>;

const ref = (name: string): JsonSchema => ({ $ref: `#/$defs/${name}` });

/**
 * The row-filter language (row-filter-syntax.ts) as JSON Schema. Recursive, so it lives in $defs.
 * Looser than the loader: it cannot say "a reference is the whole text" or check column names.
 */
const ROW_FILTER_DEFS: Readonly<Record<string, JsonSchema>> = {
  rowFilterValue: {
    description: 'A literal, or exactly one "${principal.<attribute>}" (also ${principal.id}, ${principal.groups}, ${principal.kind})',
    type: ['string', 'number', 'boolean', 'null'],
  },
  rowFilterList: {
    anyOf: [
      { type: 'array', maxItems: 1000, items: { type: ['string', 'number', 'boolean', 'null'] } },
      { type: 'string', description: 'One "${principal.<attribute>}"; a scalar attribute is a one-element list' },
    ],
  },
  rowFilterCondition: {
    anyOf: [
      ref('rowFilterValue'),
      { type: 'object', properties: { in: ref('rowFilterList') }, required: ['in'], additionalProperties: false },
      {
        type: 'object',
        properties: {
          not: {
            anyOf: [
              ref('rowFilterValue'),
              { type: 'object', properties: { in: ref('rowFilterList') }, required: ['in'], additionalProperties: false },
            ],
          },
        },
        required: ['not'],
        additionalProperties: false,
      },
    ],
  },
  rowPredicate: {
    description: '{ column: value } (several keys: all must hold), { column: { in: [...] } }, { column: { not: value } }, { not: {...} }, { and: [...] }, { or: [...] }',
    type: 'object',
    minProperties: 1,
    properties: {
      and: { type: 'array', minItems: 1, items: ref('rowPredicate') },
      or: { type: 'array', minItems: 1, items: ref('rowPredicate') },
      not: ref('rowPredicate'),
    },
    additionalProperties: ref('rowFilterCondition'),
  },
};

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
  const document = z.toJSONSchema(policyDocumentSchema, {
    io: 'output',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const schema = zodSchema as unknown as z.ZodType;
      if (LIST_SHORTHANDS.has(schema)) widen(jsonSchema, (full) => (full['items'] as JsonSchema | undefined) ?? {});
      else if (STRING_SHORTHANDS.has(schema)) widen(jsonSchema, () => ({ type: 'string' }));
      else if (ROW_PREDICATE_SCHEMAS.has(schema)) Object.assign(jsonSchema, ref('rowPredicate'));
    },
  }) as JsonSchema;
  document['$defs'] = { ...(document['$defs'] as JsonSchema | undefined), ...ROW_FILTER_DEFS };
  return document;
}
