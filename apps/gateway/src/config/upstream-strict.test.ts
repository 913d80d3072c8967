import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProblem } from '@gatehouse/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayConfigError } from './gateway-config-error.js';
import { loadGatewayConfig } from './load-gateway-config.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-strict-'));
  writeFileSync(join(dir, 'policy.yaml'), 'version: 1\nrules: []\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A SQL Server connection; line 16 is the upstream tls line the cases replace. */
function config(tls: string, dialect = 'mssql'): string {
  return `policy: ./policy.yaml
identity:
  signingKey: ./keys/gateway.pem
connections:
  - name: sales
    dialect: ${dialect}
    environment: prod
    listen: 127.0.0.1:14330
    upstream:
      host: sql.internal
      port: 1433
      database: sales
      user: gatehouse_svc
      password: pw
      # TDS 8 strict mode
      tls: ${tls}
`;
}

async function load(text: string) {
  const file = join(dir, 'gatehouse.yaml');
  writeFileSync(file, text);
  return loadGatewayConfig(file, { env: {} });
}

async function problems(text: string): Promise<string[]> {
  const error = await load(text).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayConfigError);
  return (error as GatewayConfigError).problems.map((problem) => formatProblem(problem).split(dir).join('<dir>'));
}

describe('connections[].upstream.tls.strict (TDS 8 strict encryption)', () => {
  it('is carried to the resolved upstream settings when on, and absent otherwise', async () => {
    const strict = await load(config('{ mode: require, strict: true }'));
    expect(strict.connections[0]?.upstream.tls).toEqual({ mode: 'require', strict: true });
    const plain = await load(config('{ mode: verify-full, strict: false }'));
    expect(plain.connections[0]?.upstream.tls).toEqual({ mode: 'verify-full' });
  });

  it('a value that is not a boolean is located at the key', async () => {
    expect(await problems(config('{ mode: require, strict: "yes" }'))).toEqual(['<dir>/gatehouse.yaml:16:37: upstream tls strict must be true or false']);
  });

  it('needs TLS, and SQL Server', async () => {
    expect(await problems(config('{ mode: disable, strict: true }'))).toEqual([
      '<dir>/gatehouse.yaml:16:37: upstream tls strict needs TLS: set upstream tls mode to require or verify-full',
    ]);
    expect(await problems(config('{ mode: require, strict: true }', 'postgres'))).toEqual([
      '<dir>/gatehouse.yaml:16:37: upstream tls strict is TDS 8 (SQL Server) only; remove it for a postgres connection',
    ]);
  });
});
