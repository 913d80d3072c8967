import { startMssql, within } from '@gatehouse/testkit';
import type { MssqlServer } from '@gatehouse/testkit';
import type { Connection } from 'tedious';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenStreamReader } from '../protocol/token-stream-reader.js';
import type { Token } from '../protocol/tokens/token-types.js';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { openRawClient } from '../testing/raw-client.js';
import { connectDirect, seedNumberedEmails } from '../testing/seed.js';
import { closeTedious, connectTedious, sql } from '../testing/tedious.js';
import type { TediousError } from '../testing/tedious.js';

const POLICY = `
version: 1
rules:
  - id: support-limited
    effect: allow
    when: { principal: { groups: [support] }, action: { category: [read] } }
    limit: { rows: 1000 }
    mask:
      columns: { "**.limited.email": partial }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;

function tokensOf(payload: Buffer): Token[] {
  const reader = new TokenStreamReader();
  const tokens = reader.push(payload);
  reader.endOfMessage();
  return tokens;
}

// Row limits, malformed input after login, and login refusals, through the whole gateway.
describe('SQL Server gateway sessions', () => {
  let server: MssqlServer;
  let gateway: TestGateway;
  const open: Connection[] = [];

  async function client(groups: string[], user: string): Promise<Connection> {
    const connection = await connectTedious(gateway.port, { user, password: await gateway.token(user, groups), ca: gateway.cert });
    open.push(connection);
    return connection;
  }

  beforeAll(async () => {
    server = await startMssql();
    const owner = await connectDirect(server);
    await seedNumberedEmails(server, owner, 'limited', 5_000);
    await closeTedious(owner);
    gateway = await startTestGateway(server, POLICY, { allowPlaintextOnLoopback: true });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(open.map(closeTedious));
    await gateway?.stop();
    await server?.stop();
  });

  it('cuts a 5,000-row result at the row limit with an INFO notice, and the session carries on', async () => {
    const c = await client(['support'], 'sam');
    const result = await sql(c, 'SELECT id, email FROM limited ORDER BY id');
    expect(result.rows).toHaveLength(1_000);
    expect(result.rowCount).toBe(1_000);
    expect(result.infos.some((info) => info.includes('cut at 1000 rows by policy (support-limited)'))).toBe(true);
    expect(result.rows.every((row) => !String(row[1]).startsWith(`user${String(row[0])}@`))).toBe(true);
    expect((await sql(c, 'SELECT COUNT(*) AS n FROM limited')).rows).toEqual([[5_000]]);
  });

  it('leaves results of other principals whole', async () => {
    const c = await client(['app'], 'carl');
    const result = await sql(c, 'SELECT id FROM limited', 'execSql');
    expect(result.rows).toHaveLength(5_000);
  });

  it.each([
    ['undefined status bits', Buffer.from([0x01, 0x81, 0x00, 0x0c, 0, 0, 1, 0, 0x41, 0x00, 0x42, 0x00])],
    ['a length below the header', Buffer.from([0x01, 0x01, 0x00, 0x04, 0, 0, 1, 0])],
    ['a length above the packet size', Buffer.from([0x01, 0x01, 0xff, 0xff, 0, 0, 1, 0])],
    ['a LOGIN7 after login (wrong order)', Buffer.from([0x10, 0x01, 0x00, 0x0a, 0, 0, 1, 0, 0, 0])],
    ['a PRELOGIN after login (wrong order)', Buffer.from([0x12, 0x01, 0x00, 0x0a, 0, 0, 1, 0, 0xff, 0])],
    ['an RPC whose parameters run past the message', Buffer.from([0x03, 0x01, 0x00, 0x13, 0, 0, 1, 0, 0x04, 0, 0, 0, 0xff, 0xff, 0x0a, 0x00, 0x00, 0x00, 0x05])],
  ])('closes only the connection that sent %s', async (_what, bytes) => {
    const bystander = await client(['app'], 'bea');
    const raw = await openRawClient(gateway.port, 'rita', await gateway.token('rita', ['app']));
    expect(tokensOf(raw.loginResponse.payload).some((token) => token.kind === 'loginack')).toBe(true);
    const answer = await raw.batch('SELECT 1 AS one');
    expect(tokensOf(answer.payload).some((token) => token.kind === 'row')).toBe(true);
    raw.socket.write(bytes);
    const farewell = await raw.next().catch(() => undefined);
    await within(raw.closed, 5_000, 'the gateway closing the connection');
    if (farewell) {
      const error = tokensOf(farewell.payload).find((token) => token.kind === 'error');
      expect(error && 'message' in error ? error.message : '').toMatch(/protocol violation/);
    }
    expect((await sql(bystander, 'SELECT 2 AS two')).rows).toEqual([[2]]);
  });

  it('closes a connection whose request grows past maxMessageBytes, from the packet headers', async () => {
    const small = await startTestGateway(server, POLICY, { allowPlaintextOnLoopback: true, maxMessageBytes: 4_096 });
    try {
      const raw = await openRawClient(small.port, 'rita', await small.token('rita', ['app']));
      const packet = (status: number, id: number): Buffer => {
        const bytes = Buffer.alloc(4_000, 0x41);
        bytes.writeUInt8(0x01, 0);
        bytes.writeUInt8(status, 1);
        bytes.writeUInt16BE(4_000, 2);
        bytes.writeUInt8(id, 6);
        return bytes;
      };
      raw.socket.write(Buffer.concat([packet(0, 1), packet(0, 2)]));
      await within(raw.closed, 5_000, 'the gateway closing the connection');
    } finally {
      await small.stop();
    }
  });

  it('refuses an sp_executesql without a statement (229) and keeps the connection', async () => {
    const raw = await openRawClient(gateway.port, 'rita', await gateway.token('rita', ['app']));
    raw.socket.write(Buffer.from([0x03, 0x01, 0x00, 0x12, 0, 0, 1, 0, 0x04, 0, 0, 0, 0xff, 0xff, 0x0a, 0x00, 0x00, 0x00]));
    const refusal = tokensOf((await raw.next()).payload).find((token) => token.kind === 'error');
    expect(refusal && 'number' in refusal ? refusal.number : undefined).toBe(229);
    expect(tokensOf((await raw.batch('SELECT 3 AS three')).payload).some((token) => token.kind === 'row')).toBe(true);
    raw.socket.destroy();
  });

  it('refuses BULK LOAD data that no allowed INSERT BULK announced, and keeps the connection', async () => {
    const raw = await openRawClient(gateway.port, 'rita', await gateway.token('rita', ['app']));
    raw.socket.write(Buffer.from([0x07, 0x00, 0x00, 0x0a, 0, 0, 1, 0, 0xfd, 0x00]));
    raw.socket.write(Buffer.from([0x07, 0x01, 0x00, 0x0a, 0, 0, 2, 0, 0x00, 0x00]));
    const refusal = tokensOf((await raw.next()).payload).find((token) => token.kind === 'error');
    expect(refusal && 'message' in refusal ? refusal.message : '').toMatch(/BULK LOAD data is refused/);
    expect(tokensOf((await raw.batch('SELECT 3 AS three')).payload).some((token) => token.kind === 'row')).toBe(true);
    raw.socket.destroy();
  });

  it('follows ENVCHANGE routing itself; the client never sees it', async () => {
    if (server.kind !== 'tds-test-server') return; // routing is a stand-in option
    const router = await startMssql({ route: { host: server.host, port: server.port } });
    const routed = await startTestGateway(router, POLICY);
    try {
      // Had the redirect reached tedious, it would log in to the target itself with the token and fail.
      const c = await connectTedious(routed.port, { user: 'carl', password: await routed.token('carl', ['app']), ca: routed.cert });
      expect((await sql(c, 'SELECT COUNT(*) AS n FROM limited')).rows).toEqual([[5_000]]);
      await closeTedious(c);
      expect(router.events.some((event) => event.event === 'routed')).toBe(true);
    } finally {
      await routed.stop();
      await router.stop();
    }
  });

  it('drains: a statement in flight finishes, then the session ends', async () => {
    const draining = await startTestGateway(server, POLICY);
    const c = await connectTedious(draining.port, { user: 'carl', password: await draining.token('carl', ['app']), ca: draining.cert });
    const ended = new Promise<void>((resolve) => c.once('end', () => resolve()));
    const running = sql(c, "WAITFOR DELAY '00:00:01'");
    running.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = draining.stop();
    await expect(running).resolves.toBeDefined();
    await within(ended, 5_000, 'the drained session ending');
    await stopped;
  });

  it('ends the client session when the database goes away, instead of leaving it hanging', async () => {
    if (server.kind !== 'tds-test-server') return; // needs a server it may stop
    const doomed = await startMssql();
    const front = await startTestGateway(doomed, POLICY);
    try {
      const c = await connectTedious(front.port, { user: 'carl', password: await front.token('carl', ['app']), ca: front.cert });
      const ended = new Promise<void>((resolve) => c.once('end', () => resolve()));
      expect((await sql(c, 'SELECT 1 AS one')).rows).toEqual([[1]]);
      await doomed.stop();
      await within(ended, 5_000, 'the client session ending');
    } finally {
      await front.stop();
    }
  });

  it('refuses a login with an expired token with 18456', async () => {
    let number: number | undefined;
    const error = (await connectTedious(gateway.port, {
      user: 'carl',
      password: await gateway.token('carl', ['app'], { ttl: 60, issuedAt: Date.now() - 3_600_000 }),
      ca: gateway.cert,
      onErrorNumber: (n) => (number ??= n),
    }).catch((e: unknown) => e)) as TediousError;
    expect(error).toBeInstanceOf(Error);
    expect(number).toBe(18456);
  });

  it('refuses a login that asks for a database this connection does not serve (4060)', async () => {
    let number: number | undefined;
    await connectTedious(gateway.port, { user: 'carl', password: await gateway.token('carl', ['app']), ca: gateway.cert, database: 'elsewhere', onErrorNumber: (n) => (number ??= n) }).catch(
      () => undefined,
    );
    expect(number).toBe(4060);
  });
});
