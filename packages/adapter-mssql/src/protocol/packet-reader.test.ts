import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { splitAt } from '../testing/support.js';
import { assemble, MessageAssembler } from './message.js';
import { encodeMessage, PacketStatus, PacketType } from './packet.js';
import { PacketReader } from './packet-reader.js';
import type { Packet } from './packet.js';

function feed(reader: PacketReader, chunks: readonly Buffer[]): Packet[] {
  return chunks.flatMap((c) => reader.push(c));
}

describe('TDS packets', () => {
  const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
  const wire = Buffer.concat([
    encodeMessage(PacketType.SqlBatch, payload, { packetSize: 300, firstStatus: PacketStatus.ResetConnection }),
    encodeMessage(PacketType.Attention, Buffer.alloc(0)),
    encodeMessage(PacketType.Rpc, Buffer.from('abc')),
  ]);

  it('cuts a message into packets with EOM on the last and incrementing ids', () => {
    const packets = new PacketReader().push(wire);
    expect(packets.map((p) => [p.type, p.status, p.length, p.packetId])).toEqual([
      [1, 0x08, 300, 1],
      [1, 0, 300, 2],
      [1, 0, 300, 3],
      [1, 1, 132, 4],
      [6, 1, 8, 1],
      [3, 1, 11, 1],
    ]);
    const messages = assemble(new MessageAssembler(), packets);
    expect(messages.map((m) => [m.type, m.status, m.payload.length])).toEqual([
      [1, 0x08, 1000],
      [6, 1, 0],
      [3, 1, 3],
    ]);
    expect(messages[0]!.payload.equals(payload)).toBe(true);
    expect(Buffer.concat(packets.map((p) => p.raw)).equals(wire)).toBe(true);
  });

  it('yields the same packets when the input is split at every offset', () => {
    const whole = new PacketReader().push(wire).map((p) => p.raw.toString('hex'));
    for (let i = 0; i <= wire.length; i++) {
      const got = feed(new PacketReader(), splitAt(wire, [i])).map((p) => p.raw.toString('hex'));
      expect(got).toEqual(whole);
    }
    for (let i = 1; i < wire.length; i += 37) {
      const got = feed(new PacketReader(), splitAt(wire, [i, Math.min(wire.length, i + 5), Math.min(wire.length, i + 301)]));
      expect(got.map((p) => p.raw.toString('hex'))).toEqual(whole);
    }
  });

  it('yields byte-by-byte the same packets', () => {
    const reader = new PacketReader();
    const got: Packet[] = [];
    for (const byte of wire) got.push(...reader.push(Buffer.from([byte])));
    expect(got.map((p) => p.raw.toString('hex'))).toEqual(new PacketReader().push(wire).map((p) => p.raw.toString('hex')));
  });

  it.each([
    ['length below the header', (b: Buffer) => b.writeUInt16BE(7, 2), 'TDS_BAD_LENGTH'],
    ['undefined status bit', (b: Buffer) => (b[1] = 0x41), 'TDS_BAD_STATUS'],
    ['unknown type', (b: Buffer) => (b[0] = 0x55), 'TDS_UNKNOWN_PACKET'],
    ['pre-TDS7 login', (b: Buffer) => (b[0] = 0x02), 'TDS_UNKNOWN_PACKET'],
  ])('refuses a %s', (_name, mutate, code) => {
    const bad = Buffer.from(encodeMessage(PacketType.SqlBatch, Buffer.from('hello')));
    mutate(bad);
    expect(() => new PacketReader().push(bad)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses packets above the negotiated size, and follows renegotiation', () => {
    const big = encodeMessage(PacketType.SqlBatch, Buffer.alloc(5000), { packetSize: 8192 });
    const reader = new PacketReader({ maxPacketSize: 4096 });
    expect(() => reader.push(big)).toThrow(ProtocolError);
    const renegotiated = new PacketReader({ maxPacketSize: 4096 });
    renegotiated.setPacketSize(8192);
    expect(renegotiated.push(big)).toHaveLength(1);
  });

  it('enforces the message cap from headers, before buffering the body', () => {
    const reader = new PacketReader({ maxMessageBytes: 1000 });
    const wire2 = encodeMessage(PacketType.SqlBatch, Buffer.alloc(2000), { packetSize: 512 });
    // Only the first 520 bytes: packet 1 (504 payload) is fine, packet 2's header pushes past 1000.
    expect(reader.push(wire2.subarray(0, 512))).toHaveLength(1);
    expect(() => reader.push(wire2.subarray(512, 520))).toThrow(expect.objectContaining({ code: 'TDS_MESSAGE_TOO_LARGE' }));
    // Streamed types are exempt (a result set may be any size).
    const streamed = new PacketReader({ maxMessageBytes: 1000, streamedTypes: [PacketType.TabularResult] });
    expect(streamed.push(encodeMessage(PacketType.TabularResult, Buffer.alloc(2000), { packetSize: 512 }))).toHaveLength(4);
  });

  it('refuses a type change inside a message, RESETCONNECTION after the first packet and disallowed types', () => {
    const first = encodeMessage(PacketType.SqlBatch, Buffer.alloc(600), { packetSize: 512 }).subarray(0, 512);
    expect(() => new PacketReader().push(Buffer.concat([first, encodeMessage(PacketType.Rpc, Buffer.from('x'))]))).toThrow(
      expect.objectContaining({ code: 'TDS_UNKNOWN_PACKET' }),
    );
    const second = Buffer.from(encodeMessage(PacketType.SqlBatch, Buffer.alloc(600), { packetSize: 512 }));
    second[512 + 1] = second[512 + 1]! | PacketStatus.ResetConnection;
    expect(() => new PacketReader().push(second)).toThrow(expect.objectContaining({ code: 'TDS_BAD_STATUS' }));
    expect(() => new PacketReader({ allowedTypes: [PacketType.TabularResult] }).push(encodeMessage(PacketType.SqlBatch, Buffer.from('x')))).toThrow(
      expect.objectContaining({ code: 'TDS_UNKNOWN_PACKET' }),
    );
  });

  it('stays failed after the first violation', () => {
    const reader = new PacketReader();
    const bad = Buffer.from(encodeMessage(PacketType.SqlBatch, Buffer.from('x')));
    bad[0] = 0x77;
    expect(() => reader.push(bad)).toThrow(ProtocolError);
    expect(() => reader.push(encodeMessage(PacketType.SqlBatch, Buffer.from('x')))).toThrow(ProtocolError);
  });

  it('marks IGNOREd messages', () => {
    const wire3 = Buffer.from(encodeMessage(PacketType.SqlBatch, Buffer.from('abc')));
    wire3[1] = wire3[1]! | PacketStatus.Ignore;
    const [message] = assemble(new MessageAssembler(), new PacketReader().push(wire3));
    expect(message!.ignored).toBe(true);
  });
});

describe('StreamingMessageWriter', () => {
  it('cuts pushed pieces into full packets and ends with EOM, matching encodeMessage', async () => {
    const { StreamingMessageWriter } = await import('./message-writer.js');
    const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff));
    for (const pieces of [[5000], [1, 4999], [100, 100, 4800], [4088, 912], [4087, 1, 912]]) {
      const out: Buffer[] = [];
      const writer = new StreamingMessageWriter(PacketType.TabularResult, (b) => out.push(b) > 0, { packetSize: 4096, spid: 53 });
      let at = 0;
      for (const n of pieces) {
        writer.push(payload.subarray(at, at + n));
        at += n;
      }
      writer.end();
      const wire = Buffer.concat(out);
      const expected = Buffer.from(encodeMessage(PacketType.TabularResult, payload, { packetSize: 4096, spid: 53 }));
      expect(wire.equals(expected)).toBe(true);
    }
    const empty: Buffer[] = [];
    const writer = new StreamingMessageWriter(PacketType.TabularResult, (b) => empty.push(b) > 0);
    writer.end();
    expect(Buffer.concat(empty).equals(encodeMessage(PacketType.TabularResult, Buffer.alloc(0)))).toBe(true);
  });
});
