import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MongoClient } from 'mongodb';
import { startMongo } from '@gatehouse/testkit';
import type { MongoServer } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';

// mongosh (npm `mongosh`, a devDependency) through the gateway: the token in the password slot of
// the connection string with authMechanism=PLAIN inside TLS, as a user would type it.

const POLICY = `
version: 1
rules:
  - id: no-drop
    effect: deny
    when: { action: { operation: [drop, dropDatabase] } }
    message: Dropping collections is blocked
  - id: analysts-read
    effect: allow
    when:
      principal: { groups: [analysts] }
      action: { category: [read, session] }
    mask:
      columns: { "app.people.email": partial, "app.people.ssn": redact }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

function mongoshScript(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('mongosh/package.json');
  const { bin } = require(manifest) as { bin: Record<string, string> };
  return join(dirname(manifest), bin['mongosh']!);
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('mongosh through the gateway', () => {
  let server: MongoServer;
  let gateway: TestGateway;
  let dir: string;
  let caFile: string;

  function run(url: string, script: string): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [mongoshScript(), url, '--quiet', '--norc', '--eval', script],
        // A private HOME keeps mongosh's history/config out of the user's; no telemetry.
        { env: { ...process.env, HOME: dir, DO_NOT_TRACK: '1', MONGOSH_NO_TELEMETRY: '1' }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  async function url(user: string, groups: string[], mechanism = 'PLAIN'): Promise<string> {
    const token = await gateway.token(user, groups);
    const query = new URLSearchParams({ authMechanism: mechanism, tls: 'true', tlsCAFile: caFile, directConnection: 'true', serverSelectionTimeoutMS: '5000' });
    if (mechanism === 'PLAIN') query.set('authSource', '$external');
    return `mongodb://${encodeURIComponent(user)}:${encodeURIComponent(token)}@localhost:${gateway.port}/app?${query.toString()}`;
  }

  beforeAll(async () => {
    server = await startMongo();
    const owner = new MongoClient(server.url);
    await owner.connect();
    const people = owner.db('app').collection('people');
    await people.drop().catch(() => undefined);
    await people.insertMany([
      { _id: 1 as never, name: 'Ana Lima', email: 'ana.lima@example.com', ssn: '123-45-6789' },
      { _id: 2 as never, name: 'Bo Chen', email: 'bo.chen@example.org', ssn: '987-65-4321' },
    ]);
    await owner.close();
    gateway = await startTestGateway(server, POLICY);
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-mongosh-'));
    caFile = join(dir, 'gateway-ca.pem');
    writeFileSync(caFile, gateway.cert);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs a find as the analyst and sees masked documents', async () => {
    const result = await run(await url('ana', ['analysts']), 'print(EJSON.stringify(db.people.find().sort({ _id: 1 }).toArray()))');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const people = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { name: string; email: string; ssn: string }[];
    expect(people.map((person) => person.name)).toEqual(['Ana Lima', 'Bo Chen']);
    expect(people[0]!.email).not.toBe('ana.lima@example.com');
    expect(people[0]!.email).not.toContain('ana.lima');
    expect(people[0]!.ssn).not.toContain('6789');
  }, 90_000);

  it('is refused a drop with code 13 naming the rule', async () => {
    const address = await url('carl', ['app']);
    const uncaught = await run(address, 'db.people.drop()');
    expect(uncaught.code).not.toBe(0);
    expect(uncaught.stderr).toContain('MongoServerError: gatehouse: command refused (no-drop)');
    // The same refusal caught in the shell: the native code and name, and the session carries on.
    const caught = await run(address, 'try { db.people.drop() } catch (e) { print(e.code, e.codeName) }; print(String(db.people.countDocuments()))');
    expect(caught.stdout.trim().split('\n')).toEqual(['13 Unauthorized', '2']);
  }, 90_000);

  it('tells a SCRAM login which mechanisms the gateway accepts', async () => {
    const result = await run(await url('carl', ['app'], 'SCRAM-SHA-256'), 'db.people.countDocuments()');
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toContain('gatehouse accepts PLAIN (inside TLS) or MONGODB-OIDC');
  }, 90_000);
});
