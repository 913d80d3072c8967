import { describe, expect, it } from 'vitest';
import { ByteSink } from './byte-sink.js';

const text = (sink: ByteSink): string => sink.bytes.toString('utf8', 0, sink.length);

describe('ByteSink', () => {
  it('writes text, quoted text, digits, raw bytes and earlier bytes again, growing as it must', () => {
    const sink = new ByteSink(4);
    sink.byte(0x7b);
    sink.quoted('ünïcode 😀');
    sink.text(',');
    for (const value of [0, 7, 10, 12345, 2 ** 53 - 1]) sink.digits(value);
    sink.raw(Buffer.from('|raw|'));
    sink.again(1, 5);
    expect(text(sink)).toBe(`{"ünïcode 😀",0710123459007199254740991|raw|"ün`);
  });

  it('names every batch with a generation no other batch of any sink has, and lets a huge batch go', () => {
    const a = new ByteSink(16);
    const b = new ByteSink(16);
    const seen = new Set([a.generation, b.generation]);
    a.clear();
    b.clear();
    seen.add(a.generation).add(b.generation);
    expect(seen.size).toBe(4);
    a.reserve(9 * 1024 * 1024);
    a.clear();
    expect(a.bytes.length).toBeLessThan(1024 * 1024);
    expect(a.length).toBe(0);
  });
});
