// Micro-benchmark: what reading an upstream response costs the relay when no mask plan or row limit
// applies. Compares, over the same wire bytes (packets of 4096), in one run:
//   unread   — packets forwarded as they come (the floor: no token is looked at);
//   observe  — the previous relay path: every token parsed (ResponseProcessor, rewrite off);
//   scan     — ResponseScanner: rows skipped by length, ERROR/INFO redacted, packets verbatim;
//   scan+err — the same response with a server ERROR the redactor changes (re-packetised after it).
// Run from the repo root:
//   node --conditions=@gatehouse/source --import tsx packages/adapter-mssql/src/testing/response-scan-main.ts [--seconds 5] [--rows 20000] [--only scan,observe]
import { createMasker } from '@gatehouse/masking';
import { DataType, DEFAULT_COLLATION } from '../protocol/data-types.js';
import { encodeMessage, PacketType } from '../protocol/packet.js';
import type { Packet } from '../protocol/packet.js';
import { PacketReader } from '../protocol/packet-reader.js';
import { encodeColMetadata } from '../protocol/tokens/colmetadata.js';
import { encodeDone } from '../protocol/tokens/done.js';
import { encodeMessageToken } from '../protocol/tokens/error-info.js';
import { encodeNbcRow, encodeRow } from '../protocol/tokens/row.js';
import { ColumnFlag, DoneStatus } from '../protocol/tokens/token-types.js';
import type { ColumnMetadata } from '../protocol/tokens/token-types.js';
import { ResponseProcessor } from '../session/response-processor.js';
import { ResponseScanner } from '../session/response-scanner.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const SECONDS = option('seconds', 5);
const ROWS = option('rows', 20_000);
const PACKET_SIZE = 4096;

const N = ColumnFlag.Nullable;
const COLUMNS: readonly ColumnMetadata[] = [
  { userType: 0, flags: 0, typeInfo: { type: DataType.Int }, name: 'id' },
  { userType: 0, flags: N, typeInfo: { type: DataType.NVarChar, length: 200, collation: DEFAULT_COLLATION }, name: 'email' },
  { userType: 0, flags: N, typeInfo: { type: DataType.DecimalN, length: 9, precision: 18, scale: 2 }, name: 'amount' },
  { userType: 0, flags: N, typeInfo: { type: DataType.DateTime2, scale: 7 }, name: 'created' },
  { userType: 0, flags: N, typeInfo: { type: DataType.BigVarChar, length: 50, collation: DEFAULT_COLLATION }, name: 'code' },
];

function payload(withError: boolean): Buffer {
  const parts: Buffer[] = [encodeColMetadata(COLUMNS)];
  for (let i = 1; i <= ROWS; i++) {
    const values = [i, `user${i}@example.com`, `${i}.25`, '2024-02-29 13:14:15.1234567', i % 7 === 0 ? null : `C-${i}`];
    parts.push(values.includes(null) ? encodeNbcRow(COLUMNS, values) : encodeRow(COLUMNS, values));
  }
  parts.push(encodeDone({ status: DoneStatus.Count | DoneStatus.More, curCmd: 0xc1, rowCount: ROWS }));
  if (withError) parts.push(encodeMessageToken('error', { number: 2627, state: 1, class: 14, message: "Violation of PRIMARY KEY constraint 'PK_t'. The duplicate key value is (424242).", serverName: 'sql1' }));
  parts.push(encodeDone({ status: withError ? DoneStatus.Error : DoneStatus.Final }));
  return Buffer.concat(parts);
}

const masker = createMasker();
const redactText = (text: string): string => masker.redactText(text, 'mssql');
let sink = 0;
const send = (bytes: Buffer): void => void (sink += bytes.length);

type Variant = (packets: readonly Packet[]) => void;

const variants: Record<string, { wire: Buffer; run: Variant }> = {
  unread: {
    wire: encodeMessage(PacketType.TabularResult, payload(false), { packetSize: PACKET_SIZE }),
    run: (packets) => {
      for (const packet of packets) send(packet.raw);
    },
  },
  observe: {
    wire: encodeMessage(PacketType.TabularResult, payload(false), { packetSize: PACKET_SIZE }),
    run: (packets) => {
      const processor = new ResponseProcessor({ rewrite: false });
      for (const packet of packets) {
        processor.push(packet.payload);
        send(packet.raw);
      }
      processor.end();
    },
  },
  scan: {
    wire: encodeMessage(PacketType.TabularResult, payload(false), { packetSize: PACKET_SIZE }),
    run: (packets) => {
      const scanner = new ResponseScanner({ redactText, send, packetSize: PACKET_SIZE });
      for (const packet of packets) scanner.push(packet);
      scanner.end();
    },
  },
  'scan+err': {
    wire: encodeMessage(PacketType.TabularResult, payload(true), { packetSize: PACKET_SIZE }),
    run: (packets) => {
      const scanner = new ResponseScanner({ redactText, send, packetSize: PACKET_SIZE });
      for (const packet of packets) scanner.push(packet);
      scanner.end();
    },
  },
};

/** Wire bytes → packets (as the relay's upstream reader does) → the variant; MB/s of wire bytes. */
function measure(name: string, seconds: number): number {
  const { wire, run } = variants[name]!;
  const deadline = performance.now() + seconds * 1000;
  let bytes = 0;
  const started = performance.now();
  while (performance.now() < deadline) {
    const reader = new PacketReader({ maxPacketSize: PACKET_SIZE, streamedTypes: [PacketType.TabularResult] });
    run(reader.push(wire));
    bytes += wire.length;
  }
  return bytes / 1e6 / ((performance.now() - started) / 1000);
}

const only = args.includes('--only') ? args[args.indexOf('--only') + 1]!.split(',') : undefined;
const names = Object.keys(variants).filter((name) => name === 'unread' || !only || only.includes(name));
for (const name of names) measure(name, Math.min(1, SECONDS / 5)); // warm-up
const results = new Map<string, number[]>();
// Interleaved rounds, so load changes hit every variant alike.
for (let round = 0; round < 3; round++) for (const name of names) results.set(name, [...(results.get(name) ?? []), measure(name, SECONDS / 3)]);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const floor = median(results.get('unread')!);
console.log(`response of ${ROWS} rows (${(variants['scan']!.wire.length / 1e6).toFixed(2)} MB on the wire, packets of ${PACKET_SIZE}), ${SECONDS}s per variant`);
for (const name of names) {
  const mbps = median(results.get(name)!);
  const rowsPerSecond = (mbps * 1e6 * ROWS) / variants[name]!.wire.length;
  console.log(`${name.padEnd(9)} ${mbps.toFixed(0).padStart(6)} MB/s  ${(rowsPerSecond / 1e6).toFixed(2).padStart(6)} M rows/s  ${(mbps / floor).toFixed(3)} × unread`);
}
if (sink < 0) console.log(sink);
