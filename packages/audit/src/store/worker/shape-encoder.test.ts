import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../canonical-json.js';
import type { AuditEvent } from '../../events/event-types.js';
import { ByteSink } from '../log/byte-sink.js';
import { PartReceiver, PartSender } from './shared-parts.js';

/** Deterministic pseudo-random numbers in [0, 1). */
function random(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed / 2 ** 32;
  };
}

const KEYS = ['type', 'at', 'seq', 'sessionId', 'statementId', 'actions', 'decision', 'principal', 'result', 'é', 'Z', 'a"b', 'zz', 'sep', 'seqx', '\u{1F600}'];
const STRINGS = ['', 'plain', 'quote"back\\slash', 'line\nbreak', '\u2028', '\u{1F600}', '\ud800', 'ünïcode'];

/** The bodies the worker writes for these events, one batch, seqs from 1. */
function written(events: readonly object[]): string[] {
  const received = new PartReceiver().receive(structuredClone(new PartSender().wire(events as readonly AuditEvent[])));
  const sink = new ByteSink(64);
  return events.map((_, i) => {
    const start = sink.length;
    received.write(i, i + 1, sink);
    return sink.bytes.toString('utf8', start, sink.length);
  });
}

describe('ShapeEncoder (through the wire)', () => {
  it('writes objects inside events right when some of their members repeat the previous event and others do not', () => {
    const next = random(7);
    const events = Array.from({ length: 40 }, (_, i) => ({
      type: 'statement',
      statementId: `q${i % 3}`,
      result: { outcome: i % 5 === 0 ? 'error' : 'ok', durationMs: i % 4 === 0 ? 1 : next() * 3, seq: 9, rowsReturned: i % 7 === 0 ? undefined : 1, errorCode: i % 5 === 0 ? '42P01' : undefined },
      at: '2026-01-01T00:00:00.000Z',
    }));
    expect(written(events)).toEqual(events.map((event, i) => canonicalJson({ ...event, seq: i + 1 })));
  });

  it('writes exactly canonicalJson({ ...event, seq }) for random events of few shapes, repeated values and undefined members included', () => {
    const next = random(0x5eed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const frozen = [Object.freeze({ id: 'alice', groups: Object.freeze(['dba']) }), Object.freeze([Object.freeze({ op: 'SELECT', n: 1 })]), Object.freeze({ effect: 'allow' })];
    const value = (): unknown => {
      switch (Math.floor(next() * 9)) {
        case 0:
          return undefined;
        case 1:
          return pick(STRINGS);
        case 2:
          return pick([0, -0, 1.5, 2 ** 53, 1e21, 5e-324]);
        case 3:
          return pick([true, false, null]);
        case 4:
          return new Date(Math.floor(next() * 2e12));
        case 5:
          return pick([
            () => ({ b: pick(STRINGS), a: [1, undefined, { y: 2, x: null }] }),
            () => ({ outcome: 'ok', durationMs: next() * 3, seq: 7, rowsReturned: pick([0, 1, -0, 2 ** 53 - 1, undefined]) }),
            () => ({ outcome: pick(['ok', 'error']), durationMs: 1, seq: undefined, nested: { b: 1, a: pick(STRINGS) } }),
            () => ({}),
          ])();
        case 6:
          return pick(frozen);
        default:
          return pick(['same-1', 'same-2']);
      }
    };
    // A few key orders (shapes); values drawn so that members often repeat the previous event's.
    const orders = Array.from({ length: 6 }, () => KEYS.filter(() => next() < 0.6).sort(() => next() - 0.5));
    const sender = new PartSender();
    const receiver = new PartReceiver();
    const sink = new ByteSink(64);
    let seq = 1;
    for (let batch = 0; batch < 60; batch++) {
      const events = Array.from({ length: 1 + Math.floor(next() * 12) }, () => {
        const event: Record<string, unknown> = {};
        for (const key of pick(orders)) event[key] = next() < 0.5 ? 'same-1' : value();
        return event as unknown as AuditEvent;
      });
      const received = receiver.receive(structuredClone(sender.wire(events)));
      sink.clear();
      for (let i = 0; i < events.length; i++) {
        const start = sink.length;
        received.write(i, seq, sink);
        expect(sink.bytes.toString('utf8', start, sink.length)).toBe(canonicalJson({ ...events[i], seq }));
        seq += Math.floor(next() * 1e6);
      }
    }
  });
});
