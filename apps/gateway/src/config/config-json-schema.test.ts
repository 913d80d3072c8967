import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gatewayConfigJsonSchema, gatewayConfigJsonSchemaText } from './config-json-schema.js';

const COMMITTED = fileURLToPath(new URL('../../../../docs/gatehouse-config.schema.json', import.meta.url));

describe('docs/gatehouse-config.schema.json', () => {
  it('is what the loader\'s schema generates (regenerate with apps/gateway/scripts/write-config-schema.ts)', () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(gatewayConfigJsonSchemaText());
  });

  it('describes the keys, with their defaults and allowed values', () => {
    const schema = gatewayConfigJsonSchema() as { properties: Record<string, { items?: { properties: Record<string, unknown> } }>; required: string[] };
    expect(schema.required).toEqual(['policy', 'identity', 'connections']);
    const connection = schema.properties['connections']?.items?.properties ?? {};
    expect(connection['dialect']).toMatchObject({ enum: ['postgres', 'mysql', 'mssql', 'mongodb'] });
    expect(JSON.stringify(connection['upstream'])).toContain('"default":"verify-full"');
  });
});
