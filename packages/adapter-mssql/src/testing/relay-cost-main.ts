// Micro-benchmark: the gateway's CPU per point select, robust to a busy machine. One process holds a
// fake upstream (answers every request with the same point-select response, as tedious's
// sp_executesql gets from the stand-in), raw clients (replay the same RPC request), and either a
// bare TCP relay or the gateway (real classifier, policy, masking, identity; plaintext both sides).
// It counts this process's CPU time, not wall time, so other load on the machine barely moves the
// figures: the gateway's own cost per select is (gateway run − relay run), A/B in one run.
// Run from the repo root:
//   node --conditions=@gatehouse/source --import tsx packages/adapter-mssql/src/testing/relay-cost-main.ts [--selects 20000] [--rounds 3] [--connections 8] [--rows 1] [--only relay|gateway]
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { DataType, DEFAULT_COLLATION } from '../protocol/data-types.js';
import { encodeLogin7 } from '../protocol/login7.js';
import { MessageAssembler } from '../protocol/message.js';
import { encodeMessage, HEADER_LENGTH, PacketStatus, PacketType } from '../protocol/packet.js';
import { PacketReader } from '../protocol/packet-reader.js';
import { Encryption, encodePrelogin } from '../protocol/prelogin.js';
import { encodeRpc, ProcId } from '../protocol/requests/rpc.js';
import { encodeColMetadata } from '../protocol/tokens/colmetadata.js';
import { encodeDone } from '../protocol/tokens/done.js';
import { encodeReturnStatus } from '../protocol/tokens/misc.js';
import { encodeRow } from '../protocol/tokens/row.js';
import { DoneStatus, TokenType } from '../protocol/tokens/token-types.js';
import type { ColumnMetadata } from '../protocol/tokens/token-types.js';
import { startTestGateway } from './gateway-harness.js';
import { loginResponse } from './sample-streams.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const SELECTS = option('selects', 20_000);
const ROUNDS = option('rounds', 3);
const CONNECTIONS = option('connections', 8);
/** Rows per response (1: a point select; more: a multi-packet response, 4096-byte packets). */
const ROWS = option('rows', 1);
/** `--only relay` or `--only gateway`: measure one target (e.g. under strace -c). */
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

const POLICY = `
version: 1
rules:
  - id: app-all
    effect: allow
    when: { principal: { groups: [app] } }
`;
const STATEMENT = 'SELECT id, name, email FROM bench_accounts WHERE id = @id';
const NVARCHAR = (length: number) => ({ type: DataType.NVarChar, length, collation: DEFAULT_COLLATION });
/** tedious's execSql: sp_executesql by id, the statement, its declarations, then the value. */
const REQUEST = encodeMessage(
  PacketType.Rpc,
  encodeRpc(
    [
      {
        procId: ProcId.ExecuteSql,
        parameters: [
          { name: '@statement', typeInfo: NVARCHAR(STATEMENT.length * 2), value: STATEMENT },
          { name: '@params', typeInfo: NVARCHAR(14), value: '@id int' },
          { name: '@id', typeInfo: { type: DataType.IntN, length: 4 }, value: 42 },
        ],
      },
    ],
    Buffer.alloc(8),
  ),
);
const COLUMNS: ColumnMetadata[] = [
  { userType: 0, flags: 0, typeInfo: { type: DataType.Int }, name: 'id' },
  { userType: 0, flags: 0, typeInfo: NVARCHAR(200), name: 'name' },
  { userType: 0, flags: 0, typeInfo: NVARCHAR(400), name: 'email' },
];
const RESPONSE = encodeMessage(
  PacketType.TabularResult,
  Buffer.concat([
    encodeColMetadata(COLUMNS),
    ...Array.from({ length: ROWS }, (_, i) => encodeRow(COLUMNS, [42 + i, `customer ${42 + i}`, `c${42 + i}@example.com`])),
    encodeDone({ status: DoneStatus.Count | DoneStatus.More, curCmd: 0xc1, rowCount: ROWS }, TokenType.DoneInProc),
    encodeReturnStatus(0),
    encodeDone({ status: DoneStatus.Final }, TokenType.DoneProc),
  ]),
  { packetSize: 4096 },
);

/** A TDS server that logs anyone in and answers every request with RESPONSE. */
function startFakeUpstream(): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => {
    const reader = new PacketReader();
    const assembler = new MessageAssembler();
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const packet of reader.push(chunk)) {
        const message = assembler.push(packet);
        if (!message) continue;
        if (message.type === PacketType.Prelogin) {
          socket.write(encodeMessage(PacketType.TabularResult, encodePrelogin({ version: { major: 16, minor: 0, build: 0, subbuild: 0 }, encryption: Encryption.NotSupported, instance: Buffer.alloc(0), mars: false })));
        } else if (message.type === PacketType.Login7) {
          socket.write(encodeMessage(PacketType.TabularResult, loginResponse()));
        } else if (message.type === PacketType.Attention) {
          socket.write(encodeMessage(PacketType.TabularResult, encodeDone({ status: DoneStatus.Attention })));
        } else {
          socket.write(RESPONSE);
        }
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, server })));
}

/** A client connection that counts whole response messages (EOM packets) without decoding them. */
class ReplayClient {
  #pending: Buffer = Buffer.alloc(0);
  #waiter: (() => void) | undefined;
  #messages = 0;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined);
  }

  static async login(port: number, user: string, password: string): Promise<ReplayClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const client = new ReplayClient(socket);
    await client.exchange(encodeMessage(PacketType.Prelogin, encodePrelogin({ version: { major: 1, minor: 0, build: 0, subbuild: 0 }, encryption: Encryption.NotSupported })));
    await client.exchange(encodeMessage(PacketType.Login7, encodeLogin7({ userName: user, password, database: 'master', packetSize: 4096 })));
    return client;
  }

  exchange(bytes: Buffer): Promise<void> {
    const wanted = this.#messages + 1;
    this.socket.write(bytes);
    return new Promise((resolve) => {
      this.#waiter = () => {
        if (this.#messages < wanted) return;
        this.#waiter = undefined;
        resolve();
      };
      this.#waiter();
    });
  }

  #onData(chunk: Buffer): void {
    let buf: Buffer = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    while (buf.length >= HEADER_LENGTH) {
      const length = buf.readUInt16BE(2);
      if (buf.length < length) break;
      if ((buf[1]! & PacketStatus.EndOfMessage) !== 0) this.#messages++;
      buf = buf.subarray(length);
    }
    this.#pending = buf;
    this.#waiter?.();
  }
}

/** A bare relay: pipe both ways, nothing else (as tools/bench's). */
function startRelay(upstreamPort: number): Promise<{ port: number; server: Server }> {
  const server = createServer({ noDelay: true }, (client) => {
    const upstream = connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, server })));
}

/** CPU µs of this process per select, `SELECTS` selects spread over the clients. */
async function cpuPerSelect(clients: readonly ReplayClient[]): Promise<number> {
  const each = Math.ceil(SELECTS / clients.length);
  const before = process.cpuUsage();
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < each; i++) await client.exchange(REQUEST);
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / (each * clients.length);
}

const upstream = await startFakeUpstream();
const relay = await startRelay(upstream.port);
const gateway = await startTestGateway({ host: '127.0.0.1', port: upstream.port, user: 'sa', password: 'unused', database: 'master', tls: false, ca: undefined }, POLICY, { allowPlaintextOnLoopback: true });
const token = await gateway.token('orders-service', ['app'], { kind: 'service' });
const targets = {
  relay: await Promise.all(Array.from({ length: CONNECTIONS }, () => ReplayClient.login(relay.port, 'sa', 'unused'))),
  gateway: await Promise.all(Array.from({ length: CONNECTIONS }, () => ReplayClient.login(gateway.port, 'orders-service', token))),
};
const results: Record<keyof typeof targets, number[]> = { relay: [], gateway: [] };
const chosen = (names: readonly (keyof typeof targets)[]): readonly (keyof typeof targets)[] => names.filter((name) => ONLY === undefined || name === ONLY);
for (const name of chosen(['relay', 'gateway'])) await cpuPerSelect(targets[name]); // warm-up (JIT, caches)
for (let round = 0; round < ROUNDS; round++) {
  for (const name of chosen(round % 2 === 0 ? ['relay', 'gateway'] : ['gateway', 'relay'])) results[name].push(await cpuPerSelect(targets[name]));
}
const median = (values: number[]): number => (values.length === 0 ? Number.NaN : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);
console.log(`process CPU per point select (fake upstream + ${CONNECTIONS} replay clients + the target), ${ROUNDS} rounds × ${SELECTS} selects:`);
console.log(`  relay   ${median(results.relay).toFixed(1)} µs  (${results.relay.map((v) => v.toFixed(1)).join(', ')})`);
console.log(`  gateway ${median(results.gateway).toFixed(1)} µs  (${results.gateway.map((v) => v.toFixed(1)).join(', ')})`);
console.log(`  the gateway's own cost beyond a relay: ${(median(results.gateway) - median(results.relay)).toFixed(1)} µs per select`);
for (const client of [...targets.relay, ...targets.gateway]) client.socket.destroy();
await gateway.stop();
relay.server.close();
upstream.server.close();
