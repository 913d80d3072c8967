import { describe, expect, it } from 'vitest';
import { Capability, EOF_HEADER, ServerStatus } from './constants.js';
import { decodeEof, decodeOk, encodeEof, encodeOk, patchTerminator } from './messages/generic.js';
import { PacketReader } from './packet-reader.js';
import { physicalPackets, resequence } from './resequence.js';
import { framePayload } from './writer.js';

const CAPS = Capability.PROTOCOL_41 | Capability.TRANSACTIONS | Capability.SESSION_TRACK;

describe('resequence', () => {
  it('moves every physical packet\'s sequence id, wrapping at 256, and leaves the bytes and the original alone', () => {
    const payload = Buffer.alloc(0xffffff + 10, 0x61);
    const raw = framePayload(payload, 254);
    const [packet] = new PacketReader({ maxPacketBytes: 64 * 1024 * 1024 }).push(raw);
    expect(physicalPackets(packet!)).toBe(2);
    const moved = resequence(raw, 3);
    const [again] = new PacketReader({ maxPacketBytes: 64 * 1024 * 1024 }).push(moved);
    expect([again!.sequenceId, again!.lastSequenceId]).toEqual([1, 2]);
    expect(again!.payload.equals(payload)).toBe(true);
    expect(raw[3]).toBe(254);
    expect(resequence(framePayload(Buffer.from([1]), 5), -2)[3]).toBe(3);
  });
});

describe('patchTerminator', () => {
  it('adds warnings and sets status bits in an OK packet, keeping everything else', () => {
    const raw = encodeOk({ affectedRows: 300, lastInsertId: 70_000, statusFlags: ServerStatus.AUTOCOMMIT, warnings: 2, info: 'Rows matched' }, 9, CAPS);
    const patched = patchTerminator(raw, CAPS, 1, ServerStatus.LAST_ROW_SENT);
    expect(patched[3]).toBe(9);
    expect(decodeOk(patched.subarray(4), CAPS)).toMatchObject({
      affectedRows: 300,
      lastInsertId: 70_000,
      statusFlags: ServerStatus.AUTOCOMMIT | ServerStatus.LAST_ROW_SENT,
      warnings: 3,
      info: 'Rows matched',
    });
    expect(decodeOk(raw.subarray(4), CAPS).warnings).toBe(2);
  });

  it('patches a 0xfe OK terminator under CLIENT_DEPRECATE_EOF and a classic EOF without it', () => {
    const caps = CAPS | Capability.DEPRECATE_EOF;
    const okEof = encodeOk({ statusFlags: ServerStatus.MORE_RESULTS_EXISTS, warnings: 0 }, 4, caps, EOF_HEADER);
    expect(decodeOk(patchTerminator(okEof, caps, 1).subarray(4), caps)).toMatchObject({ warnings: 1, statusFlags: ServerStatus.MORE_RESULTS_EXISTS });
    const eof = encodeEof({ warnings: 0xfffe, statusFlags: ServerStatus.CURSOR_EXISTS }, 4);
    expect(decodeEof(patchTerminator(eof, CAPS, 5, ServerStatus.LAST_ROW_SENT).subarray(4))).toEqual({
      warnings: 0xffff,
      statusFlags: ServerStatus.CURSOR_EXISTS | ServerStatus.LAST_ROW_SENT,
    });
  });

  it('returns a packet without the fields unchanged', () => {
    const bare = framePayload(Buffer.from([EOF_HEADER]), 2);
    expect(patchTerminator(bare, CAPS, 1)).toBe(bare);
  });
});
