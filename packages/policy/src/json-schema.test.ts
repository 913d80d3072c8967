import { describe, expect, it } from 'vitest';
import { policyDocumentJsonSchema } from './json-schema.js';

describe('policyDocumentJsonSchema', () => {
  it('describes the document, including shorthands the loader accepts', () => {
    const schema = policyDocumentJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(schema.required).toEqual(['version', 'rules']);
    const text = JSON.stringify(schema);
    // `environment: prod` (one value) and `email: partial` (strategy name) are both valid.
    expect(text).toContain('"environment":{"anyOf":[{"type":"string"},{"minItems":1,"type":"array"');
    expect(text).toContain('"additionalProperties":{"anyOf":[{"type":"string"},{"type":"object","properties":{"strategy"');
  });
});

describe('policyDocumentJsonSchema: row filters', () => {
  it('describes filter values as the recursive row-predicate language', () => {
    const schema = policyDocumentJsonSchema() as { $defs: Record<string, { properties?: Record<string, unknown> }> };
    const text = JSON.stringify(schema);
    expect(text).toContain('"filter":{"type":"object","propertyNames":{"type":"string"},"additionalProperties":{"$ref":"#/$defs/rowPredicate"}}');
    expect(Object.keys(schema.$defs.rowPredicate?.properties ?? {})).toEqual(['and', 'or', 'not']);
    // Every reference resolves.
    for (const [, name] of text.matchAll(/"\$ref":"#\/\$defs\/([^"]+)"/g)) expect(schema.$defs[name as string]).toBeDefined();
  });
});
