import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProblem } from '@gatehouse/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayConfigError } from './gateway-config-error.js';
import { loadGatewayConfig } from './load-gateway-config.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
  writeFileSync(join(dir, 'policy.yaml'), 'version: 1\nrules: []\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const VALID = `policy: ./policy.yaml
identity:
  signingKey: ./keys/gateway.pem
connections:
  - name: orders
    dialect: postgres
    environment: prod
    listen: 127.0.0.1:6432
    upstream:
      host: db.internal
      port: 5432
      database: orders
      user: gatehouse_svc
      password: \${env:ORDERS_DB_PASSWORD}
`;

function write(text: string, name = 'gatehouse.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The problems of a config that must fail, with the temp dir shown as `<dir>`. */
async function problems(text: string, env: NodeJS.ProcessEnv = { ORDERS_DB_PASSWORD: 'pw' }): Promise<string[]> {
  const error = await loadGatewayConfig(write(text), { env }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayConfigError);
  return (error as GatewayConfigError).problems.map((problem) => formatProblem(problem).split(dir).join('<dir>'));
}

/** VALID with one line replaced. */
function edit(from: string, to: string): string {
  expect(VALID).toContain(from);
  return VALID.replace(from, to);
}

describe('loadGatewayConfig: a good file', () => {
  it('resolves paths against the file, applies defaults and reads secrets', async () => {
    const config = await loadGatewayConfig(write(VALID), { env: { ORDERS_DB_PASSWORD: 's3cret' } });
    expect(config.file).toBe(join(dir, 'gatehouse.yaml'));
    expect(config.policy).toBe(join(dir, 'policy.yaml'));
    expect(config.identity.signingKey).toBe(join(dir, 'keys', 'gateway.pem'));
    expect(config.identity.rateLimit).toEqual({ maxFailures: 5, windowMs: 60_000 });
    expect(config.shutdown.drainTimeoutMs).toBe(30_000);
    expect(config.log.level).toBe('info');
    const [orders] = config.connections;
    expect(orders?.listen).toEqual({ host: '127.0.0.1', port: 6432 });
    expect(orders?.allowPlaintextOnLoopback).toBe(false);
    expect(orders?.upstream.password).toBe('s3cret');
    expect(orders?.upstream.tls).toEqual({ mode: 'verify-full' });
  });

  it('creates a stable masking key beside the signing key, readable by the owner only', async () => {
    const first = await loadGatewayConfig(write(VALID), { env: { ORDERS_DB_PASSWORD: 'x' } });
    const second = await loadGatewayConfig(write(VALID), { env: { ORDERS_DB_PASSWORD: 'x' } });
    expect(first.masking.hashKey.length).toBeGreaterThanOrEqual(32);
    expect(second.masking.hashKey).toBe(first.masking.hashKey);
    expect(statSync(join(dir, 'keys', 'masking-hash.key')).mode & 0o777).toBe(0o600);
  });

  it('reads ${file:…} secrets relative to the file, trimmed, and CA files as PEM', async () => {
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'db.txt'), '  from-file\n');
    writeFileSync(join(dir, 'secrets', 'hash.txt'), 'a-long-enough-hash-key-0123456789\n');
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
    writeFileSync(join(dir, 'gw.crt'), 'CERT');
    writeFileSync(join(dir, 'gw.key'), 'KEY');
    const text = `${edit('password: ${env:ORDERS_DB_PASSWORD}', 'password: ${file:./secrets/db.txt}\n      tls: { mode: verify-full, ca: ca.pem, serverName: db.internal }')
      .replace('    listen: 127.0.0.1:6432\n', '    listen: "[::1]:6432"\n    tls: { cert: ./gw.crt, key: gw.key }\n    allowPlaintextOnLoopback: true\n')}masking:\n  hashKey: \${file:secrets/hash.txt}\nshutdown: { drainTimeout: 5s }\nlog: { level: debug }\n`;
    const config = await loadGatewayConfig(write(text), { env: {} });
    const [orders] = config.connections;
    expect(orders?.upstream.password).toBe('from-file');
    expect(orders?.upstream.tls).toEqual({ mode: 'verify-full', ca: '-----BEGIN CERTIFICATE-----\n', serverName: 'db.internal' });
    expect(orders?.tls).toEqual({ cert: join(dir, 'gw.crt'), key: join(dir, 'gw.key') });
    expect(orders?.listen).toEqual({ host: '::1', port: 6432 });
    expect(orders?.allowPlaintextOnLoopback).toBe(true);
    expect(config.masking.hashKey).toBe('a-long-enough-hash-key-0123456789');
    expect(config.shutdown.drainTimeoutMs).toBe(5_000);
    expect(config.log.level).toBe('debug');
  });

  it('accepts dialects that have no adapter yet (the runtime refuses them, not the loader)', async () => {
    const config = await loadGatewayConfig(write(edit('dialect: postgres', 'dialect: mysql')), { env: { ORDERS_DB_PASSWORD: 'x' } });
    expect(config.connections[0]?.dialect).toBe('mysql');
  });
});

describe('loadGatewayConfig: every problem at file:line:col', () => {
  it('unknown keys, with a suggestion', async () => {
    expect(await problems(edit('    environment: prod', '    enviroment: prod'))).toEqual([
      '<dir>/gatehouse.yaml:5:5: missing required key "environment" in connection "orders"; add it',
      '<dir>/gatehouse.yaml:7:5: unknown key "enviroment" in connection — did you mean "environment"?',
    ]);
    expect(await problems(`${VALID}logs: { level: info }\n`)).toEqual([
      '<dir>/gatehouse.yaml:15:1: unknown key "logs" in gateway configuration — did you mean "log"?',
    ]);
  });

  it('wrong types and bad ports', async () => {
    expect(await problems(edit('      port: 5432', '      port: "5432"'))).toEqual([
      '<dir>/gatehouse.yaml:11:13: upstream port must be a number, not text',
    ]);
    expect(await problems(edit('      port: 5432', '      port: 70000'))).toEqual([
      '<dir>/gatehouse.yaml:11:13: upstream port must be between 1 and 65535',
    ]);
    expect(await problems(edit('connections:\n', 'connections:\n  - just-a-name\n'))).toEqual([
      '<dir>/gatehouse.yaml:5:5: connection must be a map of "key: value" entries, not text',
    ]);
  });

  it('bad listen addresses', async () => {
    expect(await problems(edit('listen: 127.0.0.1:6432', 'listen: 127.0.0.1'))).toEqual([
      '<dir>/gatehouse.yaml:8:13: listen must be "host:port", e.g. 127.0.0.1:6432 or [::1]:6432 (got "127.0.0.1")',
    ]);
    expect(await problems(edit('listen: 127.0.0.1:6432', 'listen: 127.0.0.1:99999'))).toEqual([
      '<dir>/gatehouse.yaml:8:13: listen port 99999 is out of range; use 1-65535 (or 0 for any free port)',
    ]);
  });

  it('unknown dialects and TLS modes, with the allowed values', async () => {
    expect(await problems(edit('dialect: postgres', 'dialect: postgre'))).toEqual([
      '<dir>/gatehouse.yaml:6:14: unknown dialect "postgre"; expected one of postgres, mysql, mssql, mongodb — did you mean "postgres"?',
    ]);
    expect(await problems(edit('password: ${env:ORDERS_DB_PASSWORD}', 'password: x\n      tls: { mode: verify }'))).toEqual([
      '<dir>/gatehouse.yaml:15:20: unknown upstream tls mode "verify"; expected one of disable, require, verify-full',
    ]);
  });

  it('files that do not exist, as written and as resolved', async () => {
    expect(await problems(edit('policy: ./policy.yaml', 'policy: ./missing.yaml'))).toEqual([
      '<dir>/gatehouse.yaml:1:9: policy file ./missing.yaml (<dir>/missing.yaml) does not exist',
    ]);
    expect(await problems(edit('    listen: 127.0.0.1:6432', '    listen: 127.0.0.1:6432\n    tls: { cert: gw.crt, key: gw.key }'))).toEqual([
      '<dir>/gatehouse.yaml:9:18: listener certificate gw.crt (<dir>/gw.crt) does not exist',
      '<dir>/gatehouse.yaml:9:31: listener key gw.key (<dir>/gw.key) does not exist',
    ]);
  });

  it('secrets: missing variables, missing files, malformed references', async () => {
    expect(await problems(VALID, {})).toEqual([
      '<dir>/gatehouse.yaml:14:17: environment variable ORDERS_DB_PASSWORD is not set (connection "orders" upstream password); export it or use ${file:…}',
    ]);
    expect(await problems(edit('${env:ORDERS_DB_PASSWORD}', '${file:./db-password}'))).toEqual([
      '<dir>/gatehouse.yaml:14:17: connection "orders" upstream password file ./db-password (<dir>/db-password) does not exist',
    ]);
    expect(await problems(edit('${env:ORDERS_DB_PASSWORD}', '${vault:orders}'))).toEqual([
      '<dir>/gatehouse.yaml:14:17: upstream password: unknown secret source "vault"; write ${env:NAME} or ${file:./path}',
    ]);
  });

  it('plaintext only on loopback listeners', async () => {
    expect(await problems(edit('    listen: 127.0.0.1:6432', '    listen: 0.0.0.0:6432\n    allowPlaintextOnLoopback: true'))).toEqual([
      '<dir>/gatehouse.yaml:9:31: allowPlaintextOnLoopback is only allowed when listen is a loopback address (127.0.0.1, ::1, localhost), not "0.0.0.0"',
    ]);
  });

  it('duplicate connection names and listen addresses, pointing at the first', async () => {
    const second = VALID.slice(VALID.indexOf('  - name: orders')).replace('listen: 127.0.0.1:6432', 'listen: 0.0.0.0:6432');
    expect(await problems(`${VALID}${second}`)).toEqual([
      '<dir>/gatehouse.yaml:15:11: duplicate connection name "orders" (first defined at line 5)',
      '<dir>/gatehouse.yaml:18:13: listen address 0.0.0.0:6432 is already used by another connection (first defined at line 8)',
    ]);
  });

  it('reports every problem of the file in one pass, and creates nothing', async () => {
    const text = edit('dialect: postgres', 'dialect: oracle').replace('port: 5432', 'port: 0').replace('policy: ./policy.yaml', 'policy: nope.yaml');
    const found = await problems(text);
    expect(found).toHaveLength(2); // schema problems first; file checks run only on a valid shape
    expect(() => statSync(join(dir, 'keys'))).toThrow();
  });

  it('an unreadable config file is a located problem too', async () => {
    const error = await loadGatewayConfig(join(dir, 'absent.yaml')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayConfigError);
    expect((error as GatewayConfigError).problems[0]?.message).toContain('cannot read the file (ENOENT)');
  });
});

describe('loadGatewayConfig: OIDC attribute claims', () => {
  const withOidc = (claims: string) =>
    edit('  signingKey: ./keys/gateway.pem\n', `  signingKey: ./keys/gateway.pem\n  oidc:\n    issuer: https://idp.example.com\n    audience: gatehouse\n    attributeClaims: ${claims}\n`);

  it('passes a list of claim names and a map of attribute to claim path through to the verifier', async () => {
    const listed = await loadGatewayConfig(write(withOidc('[tenant, region]')), { env: { ORDERS_DB_PASSWORD: 'pw' } });
    expect(listed.identity.oidc?.attributeClaims).toEqual(['tenant', 'region']);
    const mapped = await loadGatewayConfig(write(withOidc('{ tenant: "https://example.com/tenant", region: address.country }')), {
      env: { ORDERS_DB_PASSWORD: 'pw' },
    });
    expect(mapped.identity.oidc?.attributeClaims).toEqual({ tenant: 'https://example.com/tenant', region: 'address.country' });
  });

  it('refuses an attribute name the policy could not refer to, at its line and column', async () => {
    const found = await problems(withOidc('{ "https://example.com/tenant": tenant }'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^<dir>\/gatehouse\.yaml:7:\d+: oidc attributeClaims: /);
  });
});
