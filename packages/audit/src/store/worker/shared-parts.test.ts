import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../canonical-json.js';
import type { AuditEvent } from '../../events/event-types.js';
import { ByteSink } from '../log/byte-sink.js';
import { PartReceiver, PartSender } from './shared-parts.js';
import type { ReceivedEvents } from './shared-parts.js';

/** What postMessage does to a batch: a structured clone. */
const cross = <T>(value: T): T => structuredClone(value);

function statement(id: string, actions: object, principal: object, extra: object = {}): AuditEvent {
  return { type: 'statement', at: '2026-01-01T00:00:00.000Z', statementId: id, actions, principal, decision: { effect: 'allow' }, ...extra } as unknown as AuditEvent;
}

/** The bodies the worker writes for a batch, seqs from `firstSeq`, all into one batch's bytes. */
function bodies(received: ReceivedEvents, firstSeq: number, sink = new ByteSink()): string[] {
  sink.clear();
  const out: string[] = [];
  for (let i = 0; i < received.count; i++) {
    const start = sink.length;
    received.write(i, firstSeq + i, sink);
    out.push(sink.bytes.toString('utf8', start, sink.length));
  }
  return out;
}

const sealed = (events: readonly AuditEvent[], firstSeq: number): string[] => events.map((event, i) => canonicalJson({ ...event, seq: firstSeq + i }));

describe('shared event parts between the gateway thread and the store worker', () => {
  it('sends a frozen part once and the worker writes exactly the canonical JSON of each event with its seq', () => {
    const actions = Object.freeze([Object.freeze({ operation: 'SELECT' })]);
    const principal = Object.freeze({ id: 'alice', groups: Object.freeze(['dba']) });
    const sender = new PartSender();
    const receiver = new PartReceiver();
    const batches = [[statement('q1', actions, principal), statement('q2', actions, principal)], [statement('q3', actions, principal)]];
    const sizes: number[] = [];
    let seq = 1;
    for (const batch of batches) {
      const wire = cross(sender.wire(batch));
      sizes.push(wire.parts?.length ?? 0);
      expect(bodies(receiver.receive(wire), seq)).toEqual(sealed(batch, seq));
      seq += batch.length;
    }
    // Both parts went with the first batch only; the unfrozen decision travelled with every event.
    expect(sizes).toEqual([2, 0]);
  });

  it('writes values that repeat the previous event of their shape right, within a batch and across batches', () => {
    const actions = Object.freeze([Object.freeze({ operation: 'SELECT' })]);
    const principals = [Object.freeze({ id: 'alice' }), Object.freeze({ id: 'bob' })];
    const sender = new PartSender();
    const receiver = new PartReceiver();
    const batch = (ids: string[]) => ids.map((id, i) => statement(id, actions, principals[i % 2]!, { fingerprint: 'select ?', connection: i % 3 === 0 ? 'orders' : 'billing' }));
    const sink = new ByteSink();
    let seq = 1;
    for (const ids of [['q1', 'q2', 'q3', 'q4'], ['q5'], ['q6', 'q7', 'q8']]) {
      expect(bodies(receiver.receive(cross(sender.wire(batch(ids)))), seq, sink)).toEqual(sealed(batch(ids), seq));
      seq += ids.length;
    }
  });

  it('starts over after a failed send, and a part the worker never got is an error, not a guess', () => {
    const actions = Object.freeze([Object.freeze({ operation: 'DELETE' })]);
    const principal = Object.freeze({ id: 'bob' });
    const sender = new PartSender();
    const receiver = new PartReceiver();
    const lost = sender.wire([statement('q1', actions, principal)]);
    expect(lost.parts).toHaveLength(2);
    const orphan = cross(sender.wire([statement('q2', actions, principal)]));
    expect(() => receiver.receive(orphan)).toThrow(/never received/);
    sender.forget();
    const again = cross(sender.wire([statement('q4', actions, principal)]));
    expect(again).toMatchObject({ reset: true });
    expect(bodies(receiver.receive(again), 7)).toEqual(sealed([statement('q4', actions, principal)], 7));
  });

  it('sends each shape of event (its member names) once; events of other shapes round-trip too', () => {
    const actions = Object.freeze([Object.freeze({ operation: 'SELECT' })]);
    const principal = Object.freeze({ id: 'alice' });
    const unfrozen = { id: 'orphan' };
    const withResult = { ...statement('q2', actions, principal), result: { outcome: 'ok', durationMs: 1 } } as unknown as AuditEvent;
    const sessionEnd = { type: 'session.end', at: '2026-01-01T00:00:01.000Z', sessionId: 's', durationMs: 5, statements: 2, skipped: undefined } as unknown as AuditEvent;
    const sender = new PartSender();
    const receiver = new PartReceiver();
    const batches = [
      [statement('q1', actions, principal), withResult, statement('q3', actions, unfrozen), sessionEnd],
      [statement('q4', actions, principal), withResult, sessionEnd, withResult],
    ];
    const shapes: number[] = [];
    let seq = 1;
    for (const batch of batches) {
      const wire = cross(sender.wire(batch));
      shapes.push(wire.shapes?.length ?? 0);
      expect(bodies(receiver.receive(wire), seq)).toEqual(sealed(batch, seq));
      seq += batch.length;
    }
    // A principal that is not frozen travels as a value: its event is a shape of its own.
    expect(shapes).toEqual([4, 0]);
  });

  it('an object that changed since it last crossed is sent again, not taken for the previous value', () => {
    const actions = Object.freeze([Object.freeze({ operation: 'SELECT' })]);
    const principal = Object.freeze({ id: 'alice' });
    const result = { outcome: 'ok', durationMs: 1 };
    const sender = new PartSender();
    const receiver = new PartReceiver();
    const first = statement('q1', actions, principal, { result });
    const firstWire = cross(sender.wire([first]));
    const firstBody = sealed([first], 1);
    result.durationMs = 2;
    const second = statement('q1', actions, principal, { result });
    const secondWire = cross(sender.wire([second]));
    expect(bodies(receiver.receive(firstWire), 1)).toEqual(firstBody);
    expect(bodies(receiver.receive(secondWire), 2)).toEqual(sealed([second], 2));
  });
});
