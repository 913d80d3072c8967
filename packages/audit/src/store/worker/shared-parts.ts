import { shareCanonical } from '../../canonical-json.js';
import type { AuditEvent } from '../../events/event-types.js';

/*
 * Statement events of one shape and session carry the same frozen objects (build-events caches
 * the audit form of a shape's actions and decision; a session keeps one principal). Sending each
 * event whole would structured-clone them again every time on the gateway's thread: instead each
 * such object crosses to the worker once, and events name it by a number.
 */

/** The event fields that may hold a shared, frozen object. */
const SHARED_FIELDS = ['actions', 'decision', 'principal'] as const;

/** Stands for a shared object the worker already has. */
export interface PartRef {
  readonly $part: number;
}

/** Events as they cross to the worker, plus the shared objects first sent with them. */
export interface WireEvents {
  readonly events: readonly object[];
  readonly parts?: readonly (readonly [number, object])[];
  /** The worker forgets every part before reading this batch's (the sender started over). */
  readonly reset?: true;
}

/** Numbers handed out before the sender starts over (bounds both sides' memory: sessions come and go). */
const MAX_PARTS = 20_000;

/** The gateway thread's side. */
export class PartSender {
  #ids = new WeakMap<object, number>();
  #next = 1;
  #reset = true;

  wire(events: readonly AuditEvent[]): WireEvents {
    if (this.#next > MAX_PARTS) this.forget();
    const parts: [number, object][] = [];
    const wired = events.map((event) => {
      let copy: Record<string, unknown> | undefined;
      for (const field of SHARED_FIELDS) {
        const value = (event as unknown as Record<string, unknown>)[field];
        // Only frozen objects: nobody can change them after their first crossing.
        if (value === null || typeof value !== 'object' || !Object.isFrozen(value)) continue;
        let id = this.#ids.get(value);
        if (id === undefined) {
          id = this.#next++;
          this.#ids.set(value, id);
          parts.push([id, value]);
        }
        copy ??= { ...event };
        copy[field] = { $part: id } satisfies PartRef;
      }
      return copy ?? event;
    });
    const reset = this.#reset;
    this.#reset = false;
    return { events: wired, ...(parts.length > 0 ? { parts } : {}), ...(reset ? { reset: true as const } : {}) };
  }

  /** After a failed send: the worker may not have the parts, so the next batch starts over. */
  forget(): void {
    this.#ids = new WeakMap();
    this.#next = 1;
    this.#reset = true;
  }
}

/** The worker's side: keeps the parts (and their canonical text) and puts them back into events. */
export class PartReceiver {
  readonly #parts = new Map<number, object>();

  /** Call as soon as a batch arrives, before anything that could fail. */
  receive(wire: WireEvents): void {
    if (wire.reset) this.#parts.clear();
    for (const [id, part] of wire.parts ?? []) this.#parts.set(id, shareCanonical(part));
  }

  events(wire: WireEvents): AuditEvent[] {
    return wire.events.map((event) => {
      let copy: Record<string, unknown> | undefined;
      for (const field of SHARED_FIELDS) {
        const value = (event as Record<string, unknown>)[field] as Partial<PartRef> | undefined;
        if (value === null || typeof value !== 'object' || typeof value.$part !== 'number') continue;
        const part = this.#parts.get(value.$part);
        if (part === undefined) throw new Error(`audit event part ${value.$part} was never received`);
        copy ??= { ...event };
        copy[field] = part;
      }
      return (copy ?? event) as AuditEvent;
    });
  }
}
