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
