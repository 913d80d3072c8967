import { shareCanonical } from '../../canonical-json.js';
import type { AuditEvent } from '../../events/event-types.js';

/*
 * How a batch of events crosses to the store's worker. Two things cost the gateway's thread in a
 * structured clone, per event: objects it already sent (statement events of one shape and session
 * carry the same frozen actions, decision and principal: build-events caches them) and member
 * names (every event spells out a dozen or more). So each shared frozen object crosses once and
 * events name it by a number, and each event's member names cross once per *shape* (the same
 * names in the same order): an event travels as its shape's number followed by its values only.
 */

/** The event fields that may hold a shared, frozen object. */
function sharedField(key: string): boolean {
  return key === 'actions' || key === 'decision' || key === 'principal';
}

/** Member names in order; `parts[i]`: the i-th value is the number of a shared part. */
interface Shape {
  readonly keys: readonly string[];
  readonly parts: readonly boolean[];
}

/** Events as they cross to the worker, plus the shared objects and shapes first sent with them. */
export interface WireEvents {
  /** How many events `values` holds. */
  readonly count: number;
  /** Per event: its shape's number, then one value per member of the shape, in order. */
  readonly values: readonly unknown[];
  readonly parts?: readonly (readonly [number, object])[];
  readonly shapes?: readonly (readonly [number, Shape])[];
  /** The worker forgets every part and shape before reading this batch's (the sender started over). */
  readonly reset?: true;
}

/** Numbers handed out before the sender starts over (bounds both sides' memory: sessions come and go). */
const MAX_PARTS = 20_000;
/** Shapes are few (a handful of event types, optional members); a sender that sees more starts over. */
const MAX_SHAPES = 256;

/** The gateway thread's side. */
export class PartSender {
  #ids = new WeakMap<object, number>();
  #next = 1;
  #shapes: (Shape & { readonly id: number })[] = [];
  #reset = true;
  /** Scratch for the member names and part flags of the event being sent. */
  readonly #keys: string[] = [];
  readonly #flags: boolean[] = [];

  wire(events: readonly AuditEvent[]): WireEvents {
    if (this.#next > MAX_PARTS || this.#shapes.length > MAX_SHAPES) this.forget();
    const parts: [number, object][] = [];
    const shapes: [number, Shape][] = [];
    const values: unknown[] = [];
    for (const event of events) {
      const record = event as unknown as Record<string, unknown>;
      const at = values.length;
      values.push(0);
      const keys = this.#keys;
      const flags = this.#flags;
      keys.length = 0;
      flags.length = 0;
      for (const key in record) {
        let value = record[key];
        let part = false;
        // Only frozen objects: nobody can change them after their first crossing.
        if (sharedField(key) && value !== null && typeof value === 'object' && Object.isFrozen(value)) {
          let id = this.#ids.get(value);
          if (id === undefined) {
            id = this.#next++;
            this.#ids.set(value, id);
            parts.push([id, value]);
          }
          value = id;
          part = true;
        }
        keys.push(key);
        flags.push(part);
        values.push(value);
      }
      let shape = this.#find(keys, flags);
      if (shape === undefined) {
        shape = { id: this.#shapes.length + 1, keys: [...keys], parts: [...flags] };
        this.#shapes.push(shape);
        shapes.push([shape.id, { keys: shape.keys, parts: shape.parts }]);
      }
      values[at] = shape.id;
    }
    const reset = this.#reset;
    this.#reset = false;
    return {
      count: events.length,
      values,
      ...(parts.length > 0 ? { parts } : {}),
      ...(shapes.length > 0 ? { shapes } : {}),
      ...(reset ? { reset: true as const } : {}),
    };
  }

  /** After a failed send: the worker may not have the parts, so the next batch starts over. */
  forget(): void {
    this.#ids = new WeakMap();
    this.#next = 1;
    this.#shapes = [];
    this.#reset = true;
  }

  /** The known shape with exactly these members (names compare by identity first: they are interned). */
  #find(keys: readonly string[], flags: readonly boolean[]): (Shape & { readonly id: number }) | undefined {
    const shapes = this.#shapes;
    // Newest first: a run of statements keeps hitting the same few shapes.
    outer: for (let s = shapes.length - 1; s >= 0; s--) {
      const shape = shapes[s]!;
      if (shape.keys.length !== keys.length) continue;
      for (let i = 0; i < keys.length; i++) if (shape.keys[i] !== keys[i] || shape.parts[i] !== flags[i]) continue outer;
      return shape;
    }
    return undefined;
  }
}

/** The worker's side: keeps the parts (and their canonical text) and shapes, and puts events back together. */
export class PartReceiver {
  readonly #parts = new Map<number, object>();
  readonly #shapes = new Map<number, Shape>();

  /** Call as soon as a batch arrives, before anything that could fail. */
  receive(wire: WireEvents): void {
    if (wire.reset) {
      this.#parts.clear();
      this.#shapes.clear();
    }
    for (const [id, part] of wire.parts ?? []) this.#parts.set(id, shareCanonical(part));
    for (const [id, shape] of wire.shapes ?? []) this.#shapes.set(id, shape);
  }

  events(wire: WireEvents): AuditEvent[] {
    const out: AuditEvent[] = [];
    const values = wire.values;
    let at = 0;
    for (let n = 0; n < wire.count; n++) {
      const shapeId = values[at++] as number;
      const shape = this.#shapes.get(shapeId);
      if (shape === undefined) throw new Error(`audit event shape ${shapeId} was never received`);
      const event: Record<string, unknown> = {};
      const { keys, parts } = shape;
      for (let i = 0; i < keys.length; i++) {
        const value = values[at++];
        event[keys[i]!] = parts[i] ? this.#part(value as number) : value;
      }
      out.push(event as unknown as AuditEvent);
    }
    return out;
  }

  #part(id: number): object {
    const part = this.#parts.get(id);
    if (part === undefined) throw new Error(`audit event part ${id} was never received`);
    return part;
  }
}
