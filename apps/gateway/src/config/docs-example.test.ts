import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSigningKeyPath } from './load-gateway-config.js';

const DOC = fileURLToPath(new URL('../../../../docs/configuration.md', import.meta.url));

describe('docs/configuration.md', () => {
  it('its complete example is a valid configuration file', async () => {
    const markdown = readFileSync(DOC, 'utf8');
    const example = /## A complete example\s+```yaml\n([\s\S]*?)```/.exec(markdown)?.[1];
    expect(example).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-doc-'));
    try {
      writeFileSync(join(dir, 'gatehouse.yaml'), example!);
      // Shape and values only: the example's certificates and secrets do not exist here.
      expect(await loadSigningKeyPath(join(dir, 'gatehouse.yaml'))).toBe(join(dir, 'keys', 'gateway.pem'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
