import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGatewayTokenVerifier, loadOrCreateSigningKey } from '@gatehouse/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import type { CliIo } from './io.js';
import { parseAttributes } from './parse-options.js';

function bufferIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (text) => stdout.push(text), err: (text) => stderr.push(text) };
}

describe('gatehouse CLI commands', () => {
  let dir: string;
  let configFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    writeFileSync(join(dir, 'policy.yaml'), 'version: 1\nrules: []\n');
    configFile = join(dir, 'gatehouse.yaml');
    // The password variable is deliberately unset: issuing tokens must not need database secrets.
    writeFileSync(
      configFile,
      'policy: policy.yaml\nidentity: { signingKey: keys/gw.pem }\nconnections:\n  - { name: a, dialect: postgres, environment: dev, listen: "127.0.0.1:0",\n      upstream: { host: db, port: 5432, database: a, user: u, password: "${env:GATEHOUSE_UNSET_FOR_TEST}" } }\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the new commands in the help', async () => {
    const io = bufferIo();
    expect(await main(['--help'], io)).toBe(0);
    for (const command of ['gatehouse start', 'gatehouse token issue', 'gatehouse demo', 'gatehouse policy demo']) expect(io.stdout.join('\n')).toContain(command);
  });

  it('token issue prints a token the configured key verifies, with groups, kind and attributes', async () => {
    const io = bufferIo();
    const code = await main(['token', 'issue', '--config', configFile, '--user', 'alice', '--groups', 'analysts,oncall', '--kind', 'agent', '--ttl', '8h', '--attr', 'team=payments'], io);
    expect(io.stderr.join('\n')).toContain('created the gateway signing key');
    expect(code).toBe(0);
    const key = await loadOrCreateSigningKey(join(dir, 'keys', 'gw.pem'));
    const principal = await createGatewayTokenVerifier({ publicKey: key.publicKey }).verify(io.stdout[0]!);
    expect(principal).toMatchObject({ id: 'alice', groups: ['analysts', 'oncall'], kind: 'agent', attributes: { team: 'payments' } });
  });

  it('token issue: clear usage errors, exit 2', async () => {
    const cases: [string[], string][] = [
      [['token', 'issue', '--user', 'alice'], 'missing required option --config'],
      [['token', 'issue', '--config', configFile], 'missing required option --user'],
      [['token', 'issue', '--config', configFile, '--user', 'a', '--kind', 'robot'], '--kind must be one of human, agent, service'],
      [['token', 'issue', '--config', configFile, '--user', 'a', '--ttl', 'soon'], '--ttl must be a duration'],
      [['token', 'issue', '--config', configFile, '--user', 'a', '--attr', 'novalue'], '--attr must be key=value'],
      [['start'], 'missing required option --config'],
    ];
    for (const [args, message] of cases) {
      const io = bufferIo();
      expect(await main(args, io), args.join(' ')).toBe(2);
      expect(io.stderr.join('\n')).toContain(message);
      expect(io.stderr.join('\n')).toContain('Usage: gatehouse');
    }
  });

  it('collects repeated attributes into lists', () => {
    expect(parseAttributes(['team=payments', 'region=eu', 'region=us', 'expr=a=b'])).toEqual({ team: 'payments', region: ['eu', 'us'], expr: 'a=b' });
  });

  it('reads --attr-list as a list split at commas, and keeps commas in --attr values', () => {
    expect(parseAttributes(['note=a,b'], ['tenants=t1, t2,', 'one=x', 'none='])).toEqual({ note: 'a,b', tenants: ['t1', 't2'], one: ['x'], none: [] });
    expect(parseAttributes(['tenants=t0'], ['tenants=t1,t2'])).toEqual({ tenants: ['t0', 't1', 't2'] });
    expect(() => parseAttributes(['https://x/tenant=a'])).toThrow(/--attr: attribute name "https:\/\/x\/tenant" is invalid/);
    expect(() => parseAttributes([], ['kind=agent'])).toThrow(/--attr-list: attribute name "kind" is reserved/);
  });

  it('token issue carries --attr-list attributes as lists in the token', async () => {
    const io = bufferIo();
    const code = await main(['token', 'issue', '--config', configFile, '--user', 'sam', '--attr', 'region=eu', '--attr-list', 'tenants=t1,t2', '--attr-list', 'solo=t3'], io);
    expect(io.stderr.join('\n')).not.toContain('Usage');
    expect(code).toBe(0);
    const key = await loadOrCreateSigningKey(join(dir, 'keys', 'gw.pem'));
    const principal = await createGatewayTokenVerifier({ publicKey: key.publicKey }).verify(io.stdout[0]!);
    expect(principal.attributes).toEqual({ region: 'eu', tenants: ['t1', 't2'], solo: ['t3'] });
    const reserved = bufferIo();
    expect(await main(['token', 'issue', '--config', configFile, '--user', 'sam', '--attr', 'id=root'], reserved)).toBe(2);
    expect(reserved.stderr.join('\n')).toContain('attribute name "id" is reserved');
  });

  it('keeps the offline walkthrough as `gatehouse policy demo`', async () => {
    const io = bufferIo();
    expect(await main(['policy', 'demo'], io)).toBe(0);
    expect(io.stdout.join('\n')).toContain('DENY');
  });
});
