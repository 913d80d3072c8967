import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../canonical-json.js';
import type { AuditEvent } from '../../events/event-types.js';
import { PartReceiver, PartSender } from './shared-parts.js';

/** What postMessage does to a batch: a structured clone. */
const cross = <T>(value: T): T => structuredClone(value);

function statement(id: string, actions: object, principal: object): AuditEvent {
  return { type: 'statement', at: '2026-01-01T00:00:00.000Z', statementId: id, actions, principal, decision: { effect: 'allow' } } as unknown as AuditEvent;
}

describe('shared event parts between the gateway thread and the store worker', () => {
  it('sends a frozen part once and gives the worker back events equal to the originals', () => {
    const actions = Object.freeze([Object.freeze({ operation: 'SELECT' })]);
    const principal = Object.freeze({ id: 'alice', groups: Object.freeze(['dba']) });
    const sender = new PartSender();
    const receiver = new PartReceiver();
    const batches = [[statement('q1', actions, principal), statement('q2', actions, principal)], [statement('q3', actions, principal)]];
    const sizes: number[] = [];
    for (const batch of batches) {
      const wire = cross(sender.wire(batch));
      sizes.push(wire.parts?.length ?? 0);
      receiver.receive(wire);
      expect(receiver.events(wire).map(canonicalJson)).toEqual(batch.map(canonicalJson));
    }
    // Both parts went with the first batch only; the unfrozen decision travelled with every event.
    expect(sizes).toEqual([2, 0]);
  });

  it('starts over after a failed send, and a part the worker never got is an error, not a guess', () => {
    const actions = Object.freeze([Object.freeze({ operation: 'DELETE' })]);
    const principal = Object.freeze({ id: 'bob' });
    const sender = new PartSender();
    const receiver = new PartReceiver();
    const lost = sender.wire([statement('q1', actions, principal)]);
    expect(lost.parts).toHaveLength(2);
    const orphan = cross(sender.wire([statement('q2', actions, principal)]));
    receiver.receive(orphan);
    expect(() => receiver.events(orphan)).toThrow(/never received/);
    sender.forget();
    const again = cross(sender.wire([statement('q3', actions, principal)]));
    expect(again).toMatchObject({ reset: true });
    receiver.receive(again);
    expect(receiver.events(again).map(canonicalJson)).toEqual([canonicalJson(statement('q3', actions, principal))]);
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
      [statement('q4', actions, principal), withResult, sessionEnd],
    ];
    const shapes: number[] = [];
    for (const batch of batches) {
      const wire = cross(sender.wire(batch));
      shapes.push(wire.shapes?.length ?? 0);
      receiver.receive(wire);
      expect(receiver.events(wire).map(canonicalJson)).toEqual(batch.map(canonicalJson));
    }
    // A principal that is not frozen travels as a value: its event is a shape of its own.
    expect(shapes).toEqual([4, 0]);
  });
});
