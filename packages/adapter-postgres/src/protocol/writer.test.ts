import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { MessageWriter } from './writer.js';

describe('MessageWriter', () => {
  it('chains writes and frames typed messages', () => {
    const message = new MessageWriter(8).int16(1).int32(-1).cstring('hé').byte(0x5a).bytes(Buffer.from([9])).frame(0x51);
    expect(message.toString('hex')).toBe(['51', '00000010', '0001', 'ffffffff', '68c3a900', '5a', '09'].join(''));
  });

  it('frames startup packets without a type byte', () => {
    expect(new MessageWriter().int32(80877103).startupFrame().toString('hex')).toBe('0000000804d2162f');
  });

  it('hands the buffer over: reusing the writer never changes an earlier message', () => {
    const writer = new MessageWriter();
    const first = writer.cstring('one').frame(0x51);
    const second = writer.cstring('two').frame(0x51);
    expect(first.toString('latin1', 5)).toBe('one\0');
    expect(second.toString('latin1', 5)).toBe('two\0');
  });

  it('grows past its initial capacity', () => {
    const big = 'x'.repeat(100_000);
    expect(new MessageWriter(16).cstring(big).frame(0x51).length).toBe(1 + 4 + 100_001);
  });

  it('refuses what the wire cannot carry', () => {
    expect(() => new MessageWriter().cstring('a\0b')).toThrow(ProtocolError);
    expect(() => new MessageWriter().int16(70_000)).toThrow(ProtocolError);
    expect(() => new MessageWriter().int32(2 ** 32)).toThrow(ProtocolError);
    expect(() => new MessageWriter().int32(1.5)).toThrow(ProtocolError);
    expect(() => new MessageWriter().byte(256)).toThrow(ProtocolError);
  });
});
