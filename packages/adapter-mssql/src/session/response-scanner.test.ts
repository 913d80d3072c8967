import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { MessageAssembler } from '../protocol/message.js';
import { HEADER_LENGTH, PacketType } from '../protocol/packet.js';
import type { Packet } from '../protocol/packet.js';
import { PacketReader } from '../protocol/packet-reader.js';
import { encodeColMetadata } from '../protocol/tokens/colmetadata.js';
import { encodeDone } from '../protocol/tokens/done.js';
import { encodeEnvChangeString } from '../protocol/tokens/envchange.js';
import { encodeMessageToken } from '../protocol/tokens/error-info.js';
import { encodeReturnValue } from '../protocol/tokens/misc.js';
import { encodeNbcRow, encodeRow } from '../protocol/tokens/row.js';
import { DataType } from '../protocol/data-types.js';
import { DoneStatus, EnvChangeType, TokenType } from '../protocol/tokens/token-types.js';
import { SAMPLE_COLUMNS, SAMPLE_NULL_ROW } from '../testing/sample-streams.js';
import { prng, splitAt } from '../testing/support.js';
import { ResponseScanner } from './response-scanner.js';

const COLUMNS = SAMPLE_COLUMNS.slice(0, 13);
const ROW = [1, 2n, 3, 4, true, '5.25', 0.5, 1.5, '9.9900', 'ana@example.com', 'A-1', 'fixed   ', 'notes '.repeat(30)];

/** Redacts digits: "(42)" → "(#)". */
const redactDigits = (text: string): string => text.replace(/\d+/g, '#');

function message(kind: 'error' | 'info', text: string): Buffer {
  return encodeMessageToken(kind, { number: kind === 'error' ? 2627 : 0, state: 3, class: kind === 'error' ? 14 : 0, message: text, serverName: 'sql1', lineNumber: 7 });
}

/** A response with rows, messages, an ENVCHANGE and a RETURNVALUE; `text` fills the messages. */
function response(text: (original: string) => string): Buffer {
  return Buffer.concat([
    encodeEnvChangeString(EnvChangeType.Database, 'sales', 'master'),
    message('info', text("Changed database context to 'sales'.")),
    encodeColMetadata(COLUMNS),
    encodeRow(COLUMNS, ROW),
    encodeNbcRow(COLUMNS, SAMPLE_NULL_ROW.slice(0, 13)),
    encodeDone({ status: DoneStatus.Count | DoneStatus.More, curCmd: 0xc1, rowCount: 2 }, TokenType.DoneInProc),
    message('error', text('Cannot insert duplicate key. The duplicate key value is (424242).')),
    encodeReturnValue({ ordinal: 0, name: '@handle', typeInfo: { type: DataType.IntN, length: 4 }, value: 17 }),
    encodeDone({ status: DoneStatus.Error }, TokenType.DoneProc),
  ]);
}

/** The payload cut into TABULAR RESULT packets at `cuts` (the last one with EOM). */
function packetsOf(payload: Buffer, cuts: readonly number[]): Packet[] {
  const pieces = splitAt(payload, cuts).filter((piece) => piece.length > 0);
  const bytes = pieces.map((piece, i) => {
    const header = Buffer.from([PacketType.TabularResult, i === pieces.length - 1 ? 1 : 0, 0, 0, 0, 52, i + 1, 0]);
    header.writeUInt16BE(HEADER_LENGTH + piece.length, 2);
    return Buffer.concat([header, piece]);
  });
  return new PacketReader({ maxPacketSize: 32_767 }).push(Buffer.concat(bytes));
}

/** Relays `packets` and returns the bytes sent and the scanner. */
function relay(packets: readonly Packet[], redactText = redactDigits): { sent: Buffer[]; scanner: ResponseScanner } {
  const sent: Buffer[] = [];
  const scanner = new ResponseScanner({ redactText, send: (bytes) => void sent.push(bytes), packetSize: 512 });
  for (const packet of packets) scanner.push(packet);
  scanner.end();
  return { sent, scanner };
}

/** The one message the client receives (it must be exactly one, ending with EOM). */
function received(sent: readonly Buffer[]): Buffer {
  const reader = new PacketReader({ maxPacketSize: 32_767 });
  const assembler = new MessageAssembler();
  const messages = reader.push(Buffer.concat(sent)).flatMap((packet) => {
    const m = assembler.push(packet);
    return m ? [m] : [];
  });
  expect(messages).toHaveLength(1);
  return messages[0]!.payload;
}

describe('ResponseScanner', () => {
  it('forwards the packets exactly as they came when no message changes, at every split', () => {
    const payload = response((text) => text);
    for (let at = 1; at < payload.length; at++) {
      const packets = packetsOf(payload, [at]);
      const { sent, scanner } = relay(packets, (text) => text);
      expect(Buffer.concat(sent).equals(Buffer.concat(packets.map((p) => p.raw)))).toBe(true);
      expect([scanner.rows, scanner.errorNumber, scanner.database, scanner.returnedHandle, scanner.redactedMessages]).toEqual([2, 2627, 'sales', 17, 0]);
    }
  });

  it('rewrites only the ERROR and INFO tokens (lengths recomputed), whatever the split', () => {
    const payload = response((text) => text);
    const expected = response(redactDigits);
    expect(expected.equals(payload)).toBe(false);
    for (let at = 1; at < payload.length; at++) {
      for (const second of [at + 1, at + 7, payload.length - 1]) {
        const cuts = second > at && second < payload.length ? [at, second] : [at];
        const { sent, scanner } = relay(packetsOf(payload, cuts));
        expect(received(sent).equals(expected)).toBe(true);
        expect([scanner.rows, scanner.errorNumber, scanner.redactedMessages]).toEqual([2, 2627, 1]);
      }
    }
  });

  it('holds a packet only while an ERROR/INFO token in it is incomplete', () => {
    const before = Buffer.concat([encodeColMetadata(COLUMNS), encodeRow(COLUMNS, ROW)]);
    const info = message('info', 'no digits here');
    const payload = Buffer.concat([before, info, encodeDone()]);
    const sent: Buffer[] = [];
    const scanner = new ResponseScanner({ redactText: (text) => text, send: (bytes) => void sent.push(bytes), packetSize: 512 });
    const [first, second, third] = packetsOf(payload, [before.length - 3, before.length + 5]);
    scanner.push(first!);
    expect(sent).toHaveLength(1);
    scanner.push(second!);
    expect(sent).toHaveLength(1);
    scanner.push(third!);
    scanner.end();
    expect(sent).toHaveLength(3);
  });

  it('withholds a message whose redaction throws, and fails closed on a cut token', () => {
    const payload = Buffer.concat([message('error', 'value (7)'), encodeDone({ status: DoneStatus.Error })]);
    const { sent } = relay(packetsOf(payload, []), () => {
      throw new Error('detector failed');
    });
    expect(received(sent).includes(Buffer.from('value (7)', 'utf16le'))).toBe(false);
    expect(() => relay(packetsOf(payload.subarray(0, payload.length - 4), []))).toThrow(ProtocolError);
  });

  it('reset: one scanner reused response after response relays each as a new scanner would', () => {
    const sent: Buffer[] = [];
    const scanner = new ResponseScanner({ redactText: redactDigits, send: (bytes) => void sent.push(bytes), packetSize: 512 });
    const payload = response((text) => text);
    const plainResponse = Buffer.concat([encodeColMetadata(COLUMNS), encodeRow(COLUMNS, ROW), encodeDone({ status: DoneStatus.Count, rowCount: 1 })]);
    // A redacted (re-packetised) response cut mid-token, then a plain one, a cut one, and the redacted one again.
    for (const [bytes, cuts] of [
      [payload, [31, 200]],
      [plainResponse, [5]],
      [plainResponse, []],
      [payload, [90]],
    ] as const) {
      sent.length = 0;
      scanner.reset();
      const packets = packetsOf(bytes, cuts);
      for (const packet of packets) scanner.push(packet);
      scanner.end();
      const fresh = relay(packets);
      expect(Buffer.concat(sent).equals(Buffer.concat(fresh.sent))).toBe(true);
      expect([scanner.rows, scanner.errorNumber, scanner.database, scanner.returnedHandle, scanner.redactedMessages, scanner.attentionAcknowledged]).toEqual([
        fresh.scanner.rows,
        fresh.scanner.errorNumber,
        fresh.scanner.database,
        fresh.scanner.returnedHandle,
        fresh.scanner.redactedMessages,
        fresh.scanner.attentionAcknowledged,
      ]);
    }
    // A row with no COLMETADATA before it in its own response is refused, as by a new scanner.
    scanner.reset();
    expect(() => scanner.push(packetsOf(encodeRow(COLUMNS, ROW), [])[0]!)).toThrow(ProtocolError);
  });

  it('fuzz: random packetisations of random responses reassemble to the redacted payload', () => {
    const rand = prng(0x1e55);
    for (let round = 0; round < 400; round++) {
      const parts: Buffer[] = [encodeColMetadata(COLUMNS)];
      const redacted: Buffer[] = [encodeColMetadata(COLUMNS)];
      for (let i = 0, n = 1 + rand.int(12); i < n; i++) {
        const pick = rand.int(4);
        if (pick === 0 || pick === 1) {
          const kind = pick === 0 ? 'error' : 'info';
          const text = `value (${rand.int(1e6)}) ${'x'.repeat(rand.int(400))}`;
          parts.push(message(kind, text));
          redacted.push(message(kind, redactDigits(text)));
        } else {
          const row = pick === 2 ? encodeRow(COLUMNS, ROW) : encodeNbcRow(COLUMNS, SAMPLE_NULL_ROW.slice(0, 13));
          parts.push(row);
          redacted.push(row);
        }
      }
      const payload = Buffer.concat(parts);
      const cuts = [...new Set(Array.from({ length: rand.int(8) }, () => 1 + rand.int(payload.length - 1)))].sort((a, b) => a - b);
      const { sent } = relay(packetsOf(payload, cuts));
      expect(received(sent).equals(Buffer.concat(redacted))).toBe(true);
    }
  });
});
