import { canonicalJson } from '../../canonical-json.js';
import type { AuditEvent } from '../../events/event-types.js';
import type { BodySource } from '../log/segment-log.js';
import type { ByteSink } from '../log/byte-sink.js';
import { ShapeEncoder } from './shape-encoder.js';

/*
 * How a batch of events crosses to the store's worker. Two things cost the gateway's thread in a
 * structured clone, per event: objects it already sent (statement events of one shape and session
 * carry the same frozen actions, decision and principal: build-events caches them) and member
 * names (every event spells out a dozen or more). So each shared frozen object crosses once and
 * events name it by a number, and each event's member names cross once per *shape* (the same
 * names in the same order): an event travels as its shape's number followed by its values only.
 * The worker encodes each shape with a ShapeEncoder, which copies the bytes of members whose
 * value is the previous event's of the shape (a statement's connection, fingerprint, decision…):
 * the worker finds those, not the gateway's thread, whose every microsecond is on a statement's path.
 */

/** Which of the event fields that may hold a shared, frozen object `key` is (-1: none). */
function sharedField(key: string): number {
  return key === 'actions' ? 0 : key === 'decision' ? 1 : key === 'principal' ? 2 : -1;
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

/** Members whose sameness a ShapeEncoder tracks (bits of a small integer); later ones are always written. */
const MASKED_MEMBERS = 30;
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
  /** Per shared field (sharedField's number): the part the last event carried, and its number. */
  #lastParts: (object | undefined)[] = [undefined, undefined, undefined];
  #lastIds: number[] = [0, 0, 0];

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
        const field = sharedField(key);
        if (field >= 0 && value !== null && typeof value === 'object') {
          // Most events carry the very part the previous one did: no lookup, no freeze check.
          if (value === this.#lastParts[field]) {
            value = this.#lastIds[field];
            part = true;
          } else if (Object.isFrozen(value)) {
            let id = this.#ids.get(value);
            if (id === undefined) {
              id = this.#next++;
              this.#ids.set(value, id);
              parts.push([id, value]);
            }
            this.#lastParts[field] = value;
            this.#lastIds[field] = id;
            value = id;
            part = true;
          }
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
    this.#lastParts = [undefined, undefined, undefined];
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

/**
 * Whether `value` is the previous event's of the shape: primitives by value, a part (canonical
 * bytes, never changed) by identity. Other objects never count: each crossed as a copy of its own.
 */
function unchanged(value: unknown, previous: unknown, part: boolean): boolean {
  return value === previous && (part || value === null || typeof value !== 'object');
}

/** A shape as the worker keeps it: its encoder and its previous event's values (parts as canonical bytes). */
interface ReceivedShape extends Shape {
  readonly encoder: ShapeEncoder;
  readonly last: unknown[];
}

/** The worker's side: keeps the parts (as canonical bytes) and shapes, and reads batches. */
export class PartReceiver {
  readonly #parts = new Map<number, Buffer>();
  readonly #shapes = new Map<number, ReceivedShape>();

  /**
   * Reads a batch as soon as it arrives, in order, before anything that could fail: later batches
   * name its parts and shapes. A batch naming a part or shape never received is refused (the
   * sender starts over after a failed append).
   */
  receive(wire: WireEvents): ReceivedEvents {
    if (wire.reset) {
      this.#parts.clear();
      this.#shapes.clear();
    }
    for (const [id, part] of wire.parts ?? []) this.#parts.set(id, Buffer.from(canonicalJson(part), 'utf8'));
    for (const [id, shape] of wire.shapes ?? []) {
      this.#shapes.set(id, { ...shape, encoder: new ShapeEncoder(shape.keys, shape.parts), last: new Array<unknown>(shape.keys.length).fill(undefined) });
    }
    const values = wire.values;
    const events: ReceivedEvent[] = [];
    const out: unknown[] = [];
    let at = 0;
    for (let n = 0; n < wire.count; n++) {
      const shapeId = values[at++] as number;
      const shape = this.#shapes.get(shapeId);
      if (shape === undefined) throw new Error(`audit event shape ${shapeId} was never received`);
      const base = out.length;
      const { parts, last } = shape;
      let same = 0;
      for (let i = 0; i < parts.length; i++) {
        let value = values[at++];
        if (parts[i]) value = this.#part(value as number);
        if (i < MASKED_MEMBERS && unchanged(value, last[i], parts[i]!)) same |= 1 << i;
        last[i] = value;
        out.push(value);
      }
      events.push({ encoder: shape.encoder, base, same });
    }
    return new ReceivedEvents(events, out);
  }

  #part(id: number): Buffer {
    const part = this.#parts.get(id);
    if (part === undefined) throw new Error(`audit event part ${id} was never received`);
    return part;
  }
}

interface ReceivedEvent {
  readonly encoder: ShapeEncoder;
  /** Where its values start in ReceivedEvents' values (one per member of its shape). */
  readonly base: number;
  /** Bit i: member i (below MASKED_MEMBERS) is the previous event's of the shape (see unchanged()). */
  readonly same: number;
}

/** A batch as the worker read it: what the segment log seals and writes, each event encoded in place. */
export class ReceivedEvents implements BodySource {
  readonly #events: readonly ReceivedEvent[];
  readonly #values: readonly unknown[];

  constructor(events: readonly ReceivedEvent[], values: readonly unknown[]) {
    this.#events = events;
    this.#values = values;
  }

  get count(): number {
    return this.#events.length;
  }

  write(index: number, seq: number, sink: ByteSink): void {
    const event = this.#events[index]!;
    event.encoder.write(this.#values, event.base, event.same, seq, sink);
  }
}
