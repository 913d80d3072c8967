import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { loginResponse, rpcResponse, selectResponse } from '../testing/sample-streams.js';
import { prng } from '../testing/support.js';
import { DataType, DEFAULT_COLLATION } from './data-types.js';
import { decodeLogin7, encodeLogin7, FedAuthLibrary } from './login7.js';
import { assemble, MessageAssembler } from './message.js';
import { encodeMessage, PacketType } from './packet.js';
import { PacketReader } from './packet-reader.js';
import { decodePrelogin, encodePrelogin } from './prelogin.js';
import { decodeRpc, encodeRpc, ProcId, summarizeRpc } from './requests/rpc.js';
import { decodeSqlBatch, encodeSqlBatch } from './requests/sql-batch.js';
import { decodeTransactionManager, encodeTransactionManager } from './requests/transaction-manager.js';
import { TokenStreamReader } from './token-stream-reader.js';
import { decodeValue } from './values.js';

const SEEDS = Array.from({ length: 12 }, (_, i) => 0x7d5 + i * 7919);
const ROUNDS = 250;

function mutate(rand: ReturnType<typeof prng>, input: Buffer): Buffer {
  const out = Buffer.from(input);
  const kind = rand.int(4);
  if (kind === 0) {
    for (let i = 0, n = 1 + rand.int(4); i < n; i++) out[rand.int(out.length)] = rand.int(256);
    return out;
  }
  if (kind === 1) return out.subarray(0, rand.int(out.length));
  if (kind === 2) {
    const at = rand.int(out.length);
    return Buffer.concat([out.subarray(0, at), rand.bytes(1 + rand.int(16)), out.subarray(at)]);
  }
  // Length-ish fields get extreme values.
  const at = rand.int(Math.max(1, out.length - 4));
  out.writeUInt32LE([0, 0xffffffff, 0x7fffffff, 0xffff, 1][rand.int(5)]!, at);
  return out;
}

/** Only ProtocolError may escape a decoder: anything else is a bug (an unchecked read or slice). */
function onlyProtocolErrors(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
}

const requestSamples = (): Buffer[] => [
  encodeSqlBatch('SELECT TOP 10 [name] FROM people WHERE id = 1'),
  encodeRpc([
    {
      procId: ProcId.ExecuteSql,
      parameters: [
        { name: '', typeInfo: { type: DataType.NVarChar, length: 0xffff, collation: DEFAULT_COLLATION }, value: 'SELECT @a' },
        { name: '', typeInfo: { type: DataType.NVarChar, length: 200, collation: DEFAULT_COLLATION }, value: '@a int' },
        { name: '@a', typeInfo: { type: DataType.IntN, length: 4 }, value: 5 },
        { name: '@b', typeInfo: { type: DataType.DateTime2, scale: 7 }, value: '2024-01-01 00:00:00' },
        { name: '@c', typeInfo: { type: DataType.DecimalN, length: 17, precision: 38, scale: 4 }, value: '1.5' },
        { name: '@d', typeInfo: { type: DataType.NText, length: 0x7fffffff, collation: DEFAULT_COLLATION }, value: 'long' },
      ],
    },
    { procName: 'dbo.p', parameters: [] },
  ]),
  encodeTransactionManager({ requestType: 7, name: 'x', flags: 1, isolationLevel: 2, beginName: 'y' }),
];

describe('seeded fuzz: only ProtocolError, never a hang', () => {
  it.each(SEEDS)('request decoders (seed %i)', (seed) => {
    const rand = prng(seed);
    const samples = requestSamples();
    const login = encodeLogin7({ userName: 'u', password: 'p', database: 'd', fedAuth: { library: FedAuthLibrary.SecurityToken, echo: false, token: Buffer.from('t') }, features: [{ id: 0x0a, data: Buffer.from([1]) }] });
    const prelogin = encodePrelogin({ version: { major: 1, minor: 2, build: 3, subbuild: 4 }, encryption: 1, instance: Buffer.alloc(0), threadId: 1, mars: false, traceId: Buffer.alloc(36) });
    for (let round = 0; round < ROUNDS; round++) {
      const batch = mutate(rand, samples[0]!);
      onlyProtocolErrors(() => decodeSqlBatch(batch));
      const rpc = mutate(rand, samples[1]!);
      onlyProtocolErrors(() => {
        const decoded = decodeRpc(rpc);
        for (const call of decoded.calls) {
          summarizeRpc(rpc, call);
          for (const p of call.parameters) onlyProtocolErrors(() => decodeValue(rpc, p.value, p.typeInfo));
        }
      });
      const tm = mutate(rand, samples[2]!);
      onlyProtocolErrors(() => decodeTransactionManager(tm));
      const l = mutate(rand, login);
      onlyProtocolErrors(() => decodeLogin7(l));
      const p = mutate(rand, prelogin);
      onlyProtocolErrors(() => decodePrelogin(p));
    }
  });

  it.each(SEEDS)('packet reader + assembler over mutated wire bytes (seed %i)', (seed) => {
    const rand = prng(seed);
    const wire = Buffer.concat([
      encodeMessage(PacketType.SqlBatch, requestSamples()[0]!, { packetSize: 64 }),
      encodeMessage(PacketType.Rpc, requestSamples()[1]!, { packetSize: 128 }),
      encodeMessage(PacketType.Attention, Buffer.alloc(0)),
    ]);
    for (let round = 0; round < ROUNDS; round++) {
      const bytes = mutate(rand, wire);
      onlyProtocolErrors(() => {
        const reader = new PacketReader({ maxMessageBytes: 4096 });
        const assembler = new MessageAssembler();
        for (let at = 0; at < bytes.length; ) {
          const n = 1 + rand.int(200);
          for (const m of assemble(assembler, reader.push(bytes.subarray(at, at + n)))) {
            if (m.type === PacketType.SqlBatch) onlyProtocolErrors(() => decodeSqlBatch(m.payload));
            if (m.type === PacketType.Rpc) onlyProtocolErrors(() => decodeRpc(m.payload));
          }
          at += n;
        }
      });
    }
  });

  it.each(SEEDS)('token stream reader over mutated server streams (seed %i)', (seed) => {
    const rand = prng(seed);
    const streams = [loginResponse(), selectResponse(), rpcResponse()];
    const started = Date.now();
    for (let round = 0; round < ROUNDS / 5; round++) {
      const bytes = mutate(rand, streams[rand.int(streams.length)]!);
      onlyProtocolErrors(() => {
        const reader = new TokenStreamReader({ maxValueBytes: 1 << 20, maxTokenBytes: 1 << 21 });
        for (let at = 0; at < bytes.length; ) {
          const n = 1 + rand.int(4096);
          for (const token of reader.push(bytes.subarray(at, at + n))) {
            if ((token.kind === 'row' || token.kind === 'nbcrow') && reader.columns) {
              token.values.forEach((v, i) => onlyProtocolErrors(() => decodeValue(token.raw, v, reader.columns![i]!.typeInfo)));
            }
          }
          at += n;
        }
        reader.endOfMessage();
      });
    }
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('random garbage never escapes as anything but ProtocolError', () => {
    const rand = prng(99);
    for (let round = 0; round < 2000; round++) {
      const bytes = rand.bytes(1 + rand.int(300));
      onlyProtocolErrors(() => new TokenStreamReader().push(bytes));
      onlyProtocolErrors(() => new PacketReader().push(bytes));
      onlyProtocolErrors(() => decodeRpc(bytes));
      onlyProtocolErrors(() => decodeLogin7(bytes));
      onlyProtocolErrors(() => decodePrelogin(bytes));
    }
  });
});

describe('seeded fuzz: value framing and decoding', () => {
  it.each(SEEDS.slice(0, 4))('scan + decode random bytes as every type (seed %i)', async (seed) => {
    const { scanValue } = await import('./value-layout.js');
    const { TdsReader } = await import('./reader.js');
    const { SAMPLE_COLUMNS } = await import('../testing/sample-streams.js');
    const rand = prng(seed);
    for (let round = 0; round < 3000; round++) {
      const column = SAMPLE_COLUMNS[rand.int(SAMPLE_COLUMNS.length)]!;
      const bytes = rand.bytes(rand.int(40));
      if (bytes.length > 0 && rand.int(2) === 0) bytes[0] = rand.int(20);
      onlyProtocolErrors(() => {
        const r = new TdsReader(bytes, 0, bytes.length, 'fuzz');
        const range = scanValue(r, column.typeInfo, 'row', 1 << 16);
        decodeValue(bytes, range, column.typeInfo);
      });
    }
  });
});
