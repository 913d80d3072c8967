import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProblem } from '@gatehouse/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayConfigError } from './gateway-config-error.js';
import { loadGatewayConfig } from './load-gateway-config.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-retention-config-'));
  writeFileSync(join(dir, 'policy.yaml'), 'version: 1\nrules: []\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const BASE = `policy: ./policy.yaml
identity:
  signingKey: ./keys/gateway.pem
masking:
  hashKey: 0123456789abcdef0123
connections:
  - name: orders
    dialect: postgres
    environment: prod
    listen: 127.0.0.1:6432
    upstream: { host: db.internal, port: 5432, database: orders, user: svc }
audit:
  store: embedded
`;

async function load(retention: string) {
  const file = join(dir, 'gatehouse.yaml');
  writeFileSync(file, `${BASE}${retention}`);
  return loadGatewayConfig(file, { env: {} });
}

async function problems(retention: string): Promise<string[]> {
  const error = await load(retention).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(GatewayConfigError);
  return (error as GatewayConfigError).problems.map((problem) => formatProblem(problem).split(dir).join('<dir>'));
}

describe('audit.retention', () => {
  it('is absent (keep everything) unless configured', async () => {
    expect((await load('')).audit?.retention).toBeUndefined();
  });

  it('resolves maximum age and size, with the default interval', async () => {
    expect((await load('  retention: { maxAge: 90d, maxSize: 20GB }\n')).audit?.retention).toEqual({ maxAgeMs: 90 * 86_400_000, maxBytes: 20e9, intervalMs: 3_600_000 });
    expect((await load('  retention: { maxSize: 2GiB, interval: 10m }\n')).audit?.retention).toEqual({ maxBytes: 2 * 1024 ** 3, intervalMs: 600_000 });
  });

  it('locates a size it cannot read, and a retention with no limit', async () => {
    expect(await problems('  retention: { maxSize: 20 gigs }\n')).toEqual([expect.stringMatching(/^<dir>\/gatehouse\.yaml:14:\d+: bad size "20 gigs" for audit retention maxSize/)]);
    expect(await problems('  retention: { interval: 1h }\n')).toEqual([expect.stringMatching(/^<dir>\/gatehouse\.yaml:14:\d+: audit retention needs maxAge, maxSize or both/)]);
  });
});
