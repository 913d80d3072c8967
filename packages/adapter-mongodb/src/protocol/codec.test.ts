import { serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { prng, splitAt, summary } from '../testing/support.js';
import { crc32c } from './crc32c.js';
import { CLIENT_OPCODES, MessageReader, UPSTREAM_OPCODES } from './message-reader.js';
import { MsgFlag, decodeOpMsg, encodeOpMsg, withFlags } from './op-msg.js';
import { decodeOpQuery, decodeOpReply, encodeOpQuery, encodeOpReply } from './op-query.js';
import { OpCode } from './opcodes.js';
import { rawElements } from './raw-bson.js';

const doc = (value: object): Buffer => Buffer.from(serialize(value));

function sample(): Buffer {
  return Buffer.concat([
    encodeOpQuery({ requestId: 1, fullCollectionName: 'admin.$cmd', query: doc({ isMaster: 1, helloOk: true }) }),
    encodeOpMsg({ requestId: 2, responseTo: 0, body: doc({ find: 'people', filter: { a: 1 }, $db: 'app' }) }),
    encodeOpMsg({
      requestId: 3,
      responseTo: 0,
      body: doc({ insert: 'people', $db: 'app' }),
      sequences: [{ identifier: 'documents', documents: [doc({ a: 1 }), doc({ b: 'x'.repeat(300) })] }],
      checksum: true,
    }),
  ]);
}

describe('CRC-32C', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
  });
});

describe('MessageReader', () => {
  it('cuts the same messages however the bytes are split (every offset)', () => {
    const bytes = sample();
    const whole = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' }).push(bytes).map(summary);
    expect(whole).toHaveLength(3);
    for (let i = 1; i < bytes.length; i++) {
      const reader = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' });
      const got = splitAt(bytes, [i]).flatMap((chunk) => reader.push(chunk)).map(summary);
      expect(got).toEqual(whole);
    }
  });

  it('survives random chunkings (seeded)', () => {
    const bytes = sample();
    const whole = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' }).push(bytes).map(summary);
    for (let seed = 1; seed <= 200; seed++) {
      const random = prng(seed);
      const cuts = [...new Set(Array.from({ length: random.int(12) }, () => random.int(bytes.length)))].sort((a, b) => a - b);
      const reader = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' });
      expect(splitAt(bytes, cuts).flatMap((chunk) => reader.push(chunk)).map(summary), `seed ${seed}`).toEqual(whole);
    }
  });

  it('refuses bad lengths, oversized messages and unknown opcodes from the header alone', () => {
    const header = (length: number, opCode: number): Buffer => {
      const b = Buffer.alloc(16);
      b.writeInt32LE(length, 0);
      b.writeInt32LE(opCode, 12);
      return b;
    };
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        return (error as ProtocolError).code;
      }
      return undefined;
    };
    expect(code(() => new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' }).push(header(8, OpCode.Msg)))).toBe(ProtocolErrorCode.BadLength);
    expect(code(() => new MessageReader({ accept: CLIENT_OPCODES, peer: 'client', maxMessageBytes: 1000 }).push(header(1001, OpCode.Msg)))).toBe(
      ProtocolErrorCode.MessageTooLarge,
    );
    expect(code(() => new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' }).push(header(48_000_001, OpCode.Msg)))).toBe(ProtocolErrorCode.MessageTooLarge);
    expect(code(() => new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' }).push(header(16, OpCode.Compressed)))).toBe(ProtocolErrorCode.UnknownOpcode);
    expect(code(() => new MessageReader({ accept: UPSTREAM_OPCODES, peer: 'upstream' }).push(header(16, OpCode.Query)))).toBe(ProtocolErrorCode.UnknownOpcode);
  });
});

describe('OP_MSG', () => {
  it('round-trips kind 0 and kind 1 sections with a checksum', () => {
    const [, , insert] = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' }).push(sample());
    const msg = decodeOpMsg(insert!);
    expect(msg.checksumPresent).toBe(true);
    expect(msg.sequences[0]?.identifier).toBe('documents');
    expect(msg.sequences[0]?.documents).toHaveLength(2);
    expect(rawElements(msg.body).map((e) => e.name)).toEqual(['insert', '$db']);
  });

  it('rejects a wrong checksum and unknown required flag bits', () => {
    const bytes = encodeOpMsg({ requestId: 5, responseTo: 0, body: doc({ ping: 1, $db: 'admin' }), checksum: true });
    bytes[bytes.length - 1]! ^= 0xff;
    const [message] = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' }).push(bytes);
    expect(() => decodeOpMsg(message!)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.BadChecksum }));
    const flagged = encodeOpMsg({ requestId: 6, responseTo: 0, flags: 1 << 5, body: doc({ ping: 1 }) });
    const [m2] = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' }).push(flagged);
    expect(() => decodeOpMsg(m2!)).toThrow(expect.objectContaining({ code: ProtocolErrorCode.UnknownRequiredFlag }));
  });

  it('clears exhaustAllowed and recomputes the checksum', () => {
    const bytes = encodeOpMsg({ requestId: 7, responseTo: 0, flags: MsgFlag.ExhaustAllowed, body: doc({ getMore: 1, $db: 'a' }), checksum: true });
    const [message] = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' }).push(bytes);
    const rewritten = withFlags(message!, decodeOpMsg(message!).flags & ~MsgFlag.ExhaustAllowed);
    const [again] = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' }).push(rewritten);
    const decoded = decodeOpMsg(again!);
    expect(decoded.flags & MsgFlag.ExhaustAllowed).toBe(0);
    expect(decoded.checksumPresent).toBe(true);
  });

  it('never crashes on random bodies: only ProtocolError (seeded fuzz)', () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      const random = prng(seed);
      const valid = encodeOpMsg({ requestId: seed, responseTo: 0, body: doc({ find: 'x', filter: { a: random.int(100) }, $db: 'y' }) });
      const mutated = Buffer.from(valid);
      for (let i = 0; i < 1 + random.int(4); i++) mutated[16 + random.int(mutated.length - 16)] = random.int(256);
      const [message] = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' }).push(mutated);
      try {
        const msg = decodeOpMsg(message!);
        rawElements(msg.body);
      } catch (error) {
        expect(error, `seed ${seed}`).toBeInstanceOf(ProtocolError);
      }
    }
  });
});

describe('OP_QUERY / OP_REPLY', () => {
  it('round-trips the legacy handshake', () => {
    const [query] = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client' }).push(
      encodeOpQuery({ requestId: 9, fullCollectionName: 'admin.$cmd', query: doc({ isMaster: 1 }) }),
    );
    expect(decodeOpQuery(query!).fullCollectionName).toBe('admin.$cmd');
    const [reply] = new MessageReader({ accept: UPSTREAM_OPCODES, peer: 'upstream' }).push(encodeOpReply(10, 9, doc({ ok: 1 })));
    expect(reply!.responseTo).toBe(9);
    expect(decodeOpReply(reply!).documents).toHaveLength(1);
  });
});
