// Diagnosis, not a budget: the gateway's own CPU per pgbench -S transaction, robust to a busy
// machine. One process holds a canned PostgreSQL upstream (answers pgbench's point select with the
// same one-row result), raw clients replaying pgbench -S's messages (simple: a Query with a new aid
// each time; extended: Parse + Bind + Describe + Execute + Sync), and either a bare TCP relay or
// Gatehouse as the bench runs it (startGateway, demo policy, plaintext). It counts this process's CPU
// time, not wall time, so other load barely moves the figures: gateway − relay is the gateway's own
// cost per transaction, A/B in one run.
//   node --conditions=@gatehouse/source --import tsx tools/bench/src/pgbench/relay-cost-main.ts [--txns 40000] [--rounds 3] [--clients 4] [--protocol simple|extended|both]
import { connect, createServer } from 'node:net';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import type { AddressInfo, Server, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startTcpRelay } from '../tcp-relay.js';
import { startBenchGateway } from './gatehouse-gateway.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1]! : fallback;
};
const TXNS = Number(option('txns', '40000'));
const ROUNDS = Number(option('rounds', '3'));
const CLIENTS = Number(option('clients', '4'));
const PROTOCOLS = option('protocol', 'both') === 'both' ? (['simple', 'extended'] as const) : ([option('protocol', 'simple')] as const);
const policyFile = fileURLToPath(new URL('../../../../apps/gateway/demo/policy.yaml', import.meta.url));

// ── messages (written here: the bench does not depend on the adapter's codecs) ────────────────────

function message(code: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(5);
  header.write(code, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}
const cstring = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf8');
const int16 = (value: number): Buffer => Buffer.from([(value >> 8) & 0xff, value & 0xff]);
const int32 = (value: number): Buffer => {
  const out = Buffer.alloc(4);
  out.writeInt32BE(value);
  return out;
};

function startup(user: string): Buffer {
  const body = Buffer.concat([int32(196608), cstring('user'), cstring(user), cstring('database'), cstring('app'), Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
}

const SELECT = 'SELECT abalance FROM pgbench_accounts WHERE aid = ';
const randomAid = (): number => 1 + Math.floor(Math.random() * 1_000_000);
const simpleRequest = (): Buffer => message('Q', cstring(`${SELECT}${randomAid()};`));
function extendedRequest(): Buffer {
  const aid = Buffer.from(String(randomAid()));
  return Buffer.concat([
    message('P', cstring(''), cstring(`${SELECT}$1;`), int16(0)),
    message('B', cstring(''), cstring(''), int16(0), int16(1), int32(aid.length), aid, int16(0)),
    message('D', Buffer.from('P'), cstring('')),
    message('E', cstring(''), int32(0)),
    message('S'),
  ]);
}

const READY = message('Z', Buffer.from('I'));
const PARSE_COMPLETE = message('1');
const BIND_COMPLETE = message('2');
const ROW_DESCRIPTION = message('T', int16(1), cstring('abalance'), int32(0), int16(0), int32(23), int16(4), int32(-1), int16(0));
const ROW = Buffer.concat([message('D', int16(1), int32(1), Buffer.from('0')), message('C', cstring('SELECT 1'))]);
const LOGIN = Buffer.concat([
  message('R', int32(0)),
  ...[
    ['server_version', '15.18'],
    ['server_encoding', 'UTF8'],
    ['client_encoding', 'UTF8'],
    ['standard_conforming_strings', 'on'],
    ['DateStyle', 'ISO, MDY'],
    ['integer_datetimes', 'on'],
  ].map(([name, value]) => message('S', cstring(name!), cstring(value!))),
  message('K', int32(4242), int32(17)),
  READY,
]);

/** Answers to one client chunk, message by message, in one write. */
function answers(chunk: Buffer, at: number): Buffer[] {
  const out: Buffer[] = [];
  while (at + 5 <= chunk.length) {
    const code = String.fromCharCode(chunk[at]!);
    at += 1 + chunk.readInt32BE(at + 1);
    if (code === 'Q') out.push(ROW_DESCRIPTION, ROW, READY);
    else if (code === 'P') out.push(PARSE_COMPLETE);
    else if (code === 'B') out.push(BIND_COMPLETE);
    else if (code === 'D') out.push(ROW_DESCRIPTION);
    else if (code === 'E') out.push(ROW);
    else if (code === 'S') out.push(READY);
  }
  return out;
}

/** A PostgreSQL stand-in: trusts any login, answers pgbench -S's messages (requests arrive whole on loopback). */
function startCannedUpstream(): Promise<{ port: number; server: Server }> {
  const server = createServer({ noDelay: true }, (socket) => {
    let loggedIn = false;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      if (!loggedIn) {
        loggedIn = true;
        socket.write(LOGIN);
        return;
      }
      const out = answers(chunk, 0);
      if (out.length > 0) socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, server })));
}

/** A client that counts ReadyForQuery messages without decoding anything else. */
class ReplayClient {
  #pending: Buffer = Buffer.alloc(0);
  #ready = 0;
  #waiter: (() => void) | undefined;

  private constructor(
    readonly socket: Socket,
    private readonly password: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined);
  }

  static async login(port: number, user: string, password: string): Promise<ReplayClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const client = new ReplayClient(socket, password);
    await client.exchange(startup(user));
    return client;
  }

  exchange(bytes: Buffer): Promise<void> {
    const wanted = this.#ready + 1;
    this.socket.write(bytes);
    return new Promise((resolve) => {
      this.#waiter = () => {
        if (this.#ready < wanted) return;
        this.#waiter = undefined;
        resolve();
      };
      this.#waiter();
    });
  }

  #onData(chunk: Buffer): void {
    const buf: Buffer = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    let at = 0;
    while (buf.length - at >= 5) {
      const size = 1 + buf.readInt32BE(at + 1);
      if (buf.length - at < size) break;
      const code = buf[at];
      if (code === 0x5a) this.#ready++;
      else if (code === 0x52 && buf.readInt32BE(at + 5) === 3) this.socket.write(message('p', cstring(this.password)));
      else if (code === 0x45) throw new Error(`the target answered with an error: ${buf.toString('utf8', at + 5, at + size)}`);
      at += size;
    }
    this.#pending = buf.subarray(at);
    this.#waiter?.();
  }
}

/**
 * Garbage collections seen so far (main-thread pauses; a scavenge's parallel helpers are counted
 * in the process CPU, not here): the gateway's allocation per transaction shows as more of them.
 */
const collections: { readonly start: number; readonly end: number; readonly minor: boolean }[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    // node's GC entries carry their kind in `detail` (absent from this @types/node's PerformanceEntry).
    const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
    collections.push({ start: entry.startTime, end: entry.startTime + entry.duration, minor: kind === constants.NODE_PERFORMANCE_GC_MINOR });
  }
}).observe({ entryTypes: ['gc'] });

interface RunCost {
  /** CPU µs of this process per transaction. */
  readonly cpu: number;
  /** Scavenges per 10,000 transactions. */
  readonly scavenges: number;
  /** Main-thread GC pause µs per transaction. */
  readonly gcPause: number;
}

/** What TXNS transactions spread over the clients cost this process. */
async function costPerTransaction(clients: readonly ReplayClient[], request: () => Buffer): Promise<RunCost> {
  const each = Math.ceil(TXNS / clients.length);
  const txns = each * clients.length;
  const startedAt = performance.now();
  const before = process.cpuUsage();
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < each; i++) await client.exchange(request());
    }),
  );
  const used = process.cpuUsage(before);
  const endedAt = performance.now();
  // GC entries are delivered after the fact.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const during = collections.filter((gc) => gc.start >= startedAt && gc.end <= endedAt);
  return {
    cpu: (used.user + used.system) / txns,
    scavenges: (during.filter((gc) => gc.minor).length * 10_000) / txns,
    gcPause: (during.reduce((sum, gc) => sum + (gc.end - gc.start), 0) * 1000) / txns,
  };
}

const upstream = await startCannedUpstream();
const bench = { host: '127.0.0.1', port: upstream.port, database: 'app', user: 'bench', password: 'unused' };
const relay = await startTcpRelay(bench);
const gateway = await startBenchGateway(bench, { policyFile, tls: false });
const targets = {
  relay: await Promise.all(Array.from({ length: CLIENTS }, () => ReplayClient.login(relay.port, 'bench', 'unused'))),
  gateway: await Promise.all(Array.from({ length: CLIENTS }, () => ReplayClient.login(gateway.port, gateway.principal, gateway.token))),
};
const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const protocol of PROTOCOLS) {
  const request = protocol === 'simple' ? simpleRequest : extendedRequest;
  const results = { relay: [] as RunCost[], gateway: [] as RunCost[] };
  for (const name of ['relay', 'gateway'] as const) await costPerTransaction(targets[name], request); // warm-up (JIT, caches)
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? (['relay', 'gateway'] as const) : (['gateway', 'relay'] as const)) results[name].push(await costPerTransaction(targets[name], request));
  }
  const cpu = (name: 'relay' | 'gateway'): number[] => results[name].map((run) => run.cpu);
  const own = median(cpu('gateway')) - median(cpu('relay'));
  console.log(`-M ${protocol}: process CPU per transaction (canned upstream + ${CLIENTS} clients + target), ${ROUNDS} rounds × ${TXNS}:`);
  for (const name of ['relay', 'gateway'] as const) {
    const runs = results[name];
    console.log(
      `  ${name.padEnd(7)} ${median(cpu(name)).toFixed(1)} µs  (${cpu(name).map((v) => v.toFixed(1)).join(', ')}); ` +
        `scavenges per 10k txns ${median(runs.map((run) => run.scavenges)).toFixed(1)}, GC pause ${median(runs.map((run) => run.gcPause)).toFixed(2)} µs per txn`,
    );
  }
  console.log(`  the gateway's own cost beyond a relay: ${own.toFixed(1)} µs per transaction`);
}
for (const client of [...targets.relay, ...targets.gateway]) client.socket.destroy();
await Promise.all([relay.stop(), gateway.stop()]);
upstream.server.close();
