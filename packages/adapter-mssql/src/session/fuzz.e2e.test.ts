import { prng, startMssql, within } from '@gatehouse/testkit';
import type { MssqlServer } from '@gatehouse/testkit';
import type { Connection } from 'tedious';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType } from '../protocol/data-types.js';
import { encodeMessage, PacketType } from '../protocol/packet.js';
import { encodeRpc, ProcId } from '../protocol/requests/rpc.js';
import { encodeSqlBatch } from '../protocol/requests/sql-batch.js';
import { encodeTransactionManager, TmRequestType } from '../protocol/requests/transaction-manager.js';
import { TokenStreamReader } from '../protocol/token-stream-reader.js';
import { startTestGateway } from '../testing/gateway-harness.js';
import type { TestGateway } from '../testing/gateway-harness.js';
import { openRawClient } from '../testing/raw-client.js';
import { closeTedious, connectTedious, sql } from '../testing/tedious.js';

const POLICY = `
version: 1
rules:
  - id: no-drop
    effect: deny
    when: { action: { operation: [DROP TABLE] } }
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;
const SEED = 0x5eed;

/** The gateway's farewell to a connection that broke the protocol (class 16 ERROR naming it). */
function isProtocolViolation(payload: Buffer): boolean {
  const reader = new TokenStreamReader();
  return reader.push(payload).some((token) => token.kind === 'error' && token.message.includes('protocol violation'));
}
const CASES = 60;

/** Valid requests of every kind, mutated below. */
const VALID: readonly Buffer[] = [
  encodeMessage(PacketType.SqlBatch, encodeSqlBatch('SELECT 1 AS one')),
  encodeMessage(PacketType.SqlBatch, encodeSqlBatch('DROP TABLE fuzz_me')),
  encodeMessage(
    PacketType.Rpc,
    encodeRpc([
      {
        procId: ProcId.ExecuteSql,
        parameters: [
          { name: '@stmt', typeInfo: { type: DataType.NVarChar, length: 8000 }, value: 'SELECT @a AS a' },
          { name: '@params', typeInfo: { type: DataType.NVarChar, length: 8000 }, value: '@a int' },
          { name: '@a', typeInfo: { type: DataType.IntN, length: 4 }, value: 7 },
        ],
      },
    ]),
  ),
  encodeMessage(PacketType.TransactionManager, encodeTransactionManager({ requestType: TmRequestType.Begin, isolationLevel: 0, name: '' })),
];

// Mutated requests after a real login: each connection is refused, answered or closed — never a
// crash, a hang, or harm to another session. The seed is in the name, so a failure reproduces.
describe(`fuzzed requests through the SQL Server relay (seed ${SEED})`, () => {
  let server: MssqlServer;
  let gateway: TestGateway;
  let bystander: Connection;

  beforeAll(async () => {
    server = await startMssql();
    gateway = await startTestGateway(server, POLICY, { allowPlaintextOnLoopback: true });
    bystander = await connectTedious(gateway.port, { user: 'bea', password: await gateway.token('bea', ['app']), ca: gateway.cert });
  }, 120_000);

  afterAll(async () => {
    await closeTedious(bystander);
    await gateway?.stop();
    await server?.stop();
  });

  it(`survives ${CASES} mutated requests, one connection each`, async () => {
    const random = prng(SEED);
    const token = await gateway.token('fuzz', ['app']);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      const request = Buffer.from(VALID[random.int(VALID.length)]!);
      const flips = 1 + random.int(4);
      // A third of the flips hit the packet header (type, status, length), the rest the payload.
      for (let f = 0; f < flips; f++) request[random.int(3) === 0 ? random.int(8) : random.int(request.length)] = random.int(256);
      const raw = await openRawClient(gateway.port, 'fuzz', token);
      raw.socket.write(request);
      // An answer (harmless, refused, or the server's error), a close (malformed: after the gateway's
      // protocol-violation error when it could send one), or — when a flipped
      // length byte announces more bytes than were sent — the gateway still waiting for the packet.
      const outcome = await Promise.race([
        raw.next(3_000).then(
          (message) => (isProtocolViolation(message.payload) ? ('closed' as const) : ('answered' as const)),
          (error: unknown) => (String(error).includes('within') ? ('waiting-for-more-bytes' as const) : ('closed' as const)),
        ),
        raw.closed.then(() => 'closed' as const),
      ]);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      raw.socket.destroy();
      await within(raw.closed, 5_000, `connection ${i} closing`);
    }
    expect((await sql(bystander, 'SELECT 2 AS two')).rows).toEqual([[2]]);
    // The mutations must have reached both paths (answered and closed), or the test proves little.
    expect(outcomes.get('answered') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('closed') ?? 0).toBeGreaterThan(0);
  }, 300_000);
});
