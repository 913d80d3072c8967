import { describe, expect, it } from 'vitest';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { feed, prng, splitAt, summary } from '../testing/support.js';
import { MAX_PACKET_CHUNK } from './constants.js';
import { PacketReader } from './packet-reader.js';
import { framePayload } from './writer.js';

const stream = Buffer.concat([
  framePayload(Buffer.from([0x03, ...Buffer.from('SELECT 1')]), 0),
  framePayload(Buffer.alloc(0), 1),
  framePayload(Buffer.from([0x0e]), 0),
  framePayload(Buffer.from('x'.repeat(300)), 7),
]);

describe('PacketReader', () => {
  it('cuts packets with their sequence ids, payloads and raw bytes', () => {
    const packets = new PacketReader().push(stream);
    expect(packets.map((p) => [p.sequenceId, p.payload.length])).toEqual([
      [0, 9],
      [1, 0],
      [0, 1],
      [7, 300],
    ]);
    expect(Buffer.concat(packets.map((p) => p.raw))).toEqual(stream);
  });

  it('gives the same packets when the input is split at every offset', () => {
    const expected = new PacketReader().push(stream).map(summary);
    for (let offset = 0; offset <= stream.length; offset++) {
      expect(feed(new PacketReader(), splitAt(stream, [offset])).map(summary), `split at ${offset}`).toEqual(expected);
    }
  });

  it('gives the same packets when split at every pair of offsets (first 40 bytes)', () => {
    const expected = new PacketReader().push(stream).map(summary);
    for (let a = 0; a < 40; a++) {
      for (let b = a; b < 40; b++) expect(feed(new PacketReader(), splitAt(stream, [a, b])).map(summary)).toEqual(expected);
    }
  });

  it('delivers one byte at a time', () => {
    const expected = new PacketReader().push(stream).map(summary);
    const chunks = [...stream].map((byte) => Buffer.from([byte]));
    expect(feed(new PacketReader(), chunks).map(summary)).toEqual(expected);
  });

  it('reassembles a payload of 16 MiB − 1 and more from several physical packets, also split anywhere', () => {
    const payload = Buffer.alloc(MAX_PACKET_CHUNK + 10, 0x61);
    const wire = Buffer.concat([framePayload(payload, 3), framePayload(Buffer.from([1]), 0)]);
    const reader = new PacketReader();
    const packets = reader.push(wire);
    expect(packets).toHaveLength(2);
    expect(packets[0]!.sequenceId).toBe(3);
    expect(packets[0]!.lastSequenceId).toBe(4);
    expect(packets[0]!.payload.equals(payload)).toBe(true);
    expect(packets[0]!.raw.length).toBe(payload.length + 8);
    for (const offset of [1, 3, 4, 5, MAX_PACKET_CHUNK + 3, MAX_PACKET_CHUNK + 4, MAX_PACKET_CHUNK + 6, MAX_PACKET_CHUNK + 9, wire.length - 3]) {
      const split = feed(new PacketReader(), splitAt(wire, [offset]));
      expect(split.map((p) => p.payload.length), `split at ${offset}`).toEqual([payload.length, 1]);
    }
  });

  it('treats an exact multiple of 16 MiB − 1 as continued by an empty packet', () => {
    const payload = Buffer.alloc(MAX_PACKET_CHUNK, 0x62);
    const wire = framePayload(payload, 0);
    expect(wire.length).toBe(MAX_PACKET_CHUNK + 8);
    const packets = new PacketReader().push(wire);
    expect(packets).toHaveLength(1);
    expect(packets[0]!.payload.length).toBe(MAX_PACKET_CHUNK);
    expect(packets[0]!.lastSequenceId).toBe(1);
  });

  it('refuses a packet above maxPacketBytes from its header, before buffering it', () => {
    const reader = new PacketReader({ maxPacketBytes: 100 });
    expect(() => reader.push(Buffer.from([101, 0, 0, 0]))).toThrow(expect.objectContaining({ code: ProtocolErrorCode.PacketTooLarge }));
    // and it stays failed
    expect(() => reader.push(framePayload(Buffer.from([1]), 0))).toThrow(ProtocolError);
  });

  it('counts every part of a split payload against maxPacketBytes', () => {
    const reader = new PacketReader({ maxPacketBytes: MAX_PACKET_CHUNK + 5 });
    const wire = framePayload(Buffer.alloc(MAX_PACKET_CHUNK + 10), 0);
    expect(() => reader.push(wire)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.PacketTooLarge }));
  });

  it('refuses a split payload whose continuation has the wrong sequence id', () => {
    const wire = framePayload(Buffer.alloc(MAX_PACKET_CHUNK + 1), 0);
    wire[MAX_PACKET_CHUNK + 4 + 3] = 9;
    expect(() => new PacketReader().push(wire)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.SequenceMismatch }));
  });

  it('holds everything after one packet when asked (TLS follows an SSLRequest)', () => {
    const reader = new PacketReader();
    reader.holdAfterNextPacket();
    const tlsHello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0xaa]);
    const wire = Buffer.concat([framePayload(Buffer.alloc(32, 1), 1), tlsHello]);
    for (let offset = 0; offset <= wire.length; offset++) {
      const r = new PacketReader();
      r.holdAfterNextPacket();
      const packets = feed(r, splitAt(wire, [offset]));
      expect(packets).toHaveLength(1);
      expect(r.takeHeld()).toEqual(tlsHello);
    }
    expect(reader.push(wire)).toHaveLength(1);
  });

  it('never throws anything but ProtocolError on random bytes (seeded fuzz)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed);
      const reader = new PacketReader({ maxPacketBytes: 4096 });
      try {
        for (let i = 0; i < 20; i++) reader.push(random.bytes(random.int(64)));
      } catch (error) {
        expect(error, `seed ${seed}`).toBeInstanceOf(ProtocolError);
      }
    }
  });
});
