// Regenerates docs/gatehouse-config.schema.json from the zod schema the loader uses, so editors and
// the loader never disagree. A test fails when the committed file is stale; run:
//   node --conditions=@gatehouse/source --import tsx apps/gateway/scripts/write-config-schema.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gatewayConfigJsonSchemaText } from '../src/config/config-json-schema.js';

const target = fileURLToPath(new URL('../../../docs/gatehouse-config.schema.json', import.meta.url));
writeFileSync(target, gatewayConfigJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
