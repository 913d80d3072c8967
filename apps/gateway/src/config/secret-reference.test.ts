import { describe, expect, it } from 'vitest';
import { parseSecretReference } from './secret-reference.js';

describe('secret references', () => {
  it('reads ${env:NAME}, ${file:path} and literals', () => {
    expect(parseSecretReference('${env:ORDERS_DB_PASSWORD}')).toEqual({ kind: 'env', name: 'ORDERS_DB_PASSWORD' });
    expect(parseSecretReference('${file:./secrets/db}')).toEqual({ kind: 'file', path: './secrets/db' });
    expect(parseSecretReference('plain')).toEqual({ kind: 'literal', value: 'plain' });
  });

  it('never treats a malformed reference as a literal password', () => {
    for (const bad of ['${env:}', '${env:1X}', '${ENV:X}', '${file:}', '${vault:x}', '${env:X']) {
      expect(parseSecretReference(bad), bad).toHaveProperty('problem');
    }
  });
});
