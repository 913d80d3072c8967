import { canonicalJson, plainJsonString } from '../../canonical-json.js';
import type { ByteSink } from '../log/byte-sink.js';

/**
 * Writes the canonical JSON (canonical-json.ts) of events of one shape (the same member names in
 * the same order, shared-parts.ts) with their seq, byte for byte what canonicalJson gives for
 * `{ ...event, seq }`, straight into the log's batch buffer. What a shape fixes is worked out once:
 * the members' canonical order, their `"name":` bytes, where the seq goes. And what did not change
 * since the previous event of the shape in the same batch (PartReceiver says which members did
 * not: a statement's connection, fingerprint, decision…) is copied from that event's bytes, runs
 * of such members in one copy: a statement event is then a handful of writes.
 */
export class ShapeEncoder {
  /** Per canonical position: the member's index in the shape. */
  readonly #members: number[] = [];
  /** Per canonical position: `"name":`, and `,"name":` for a member after another one. */
  readonly #names: Buffer[] = [];
  readonly #commaNames: Buffer[] = [];
  /** Per canonical position: the value is a shared part, already canonical bytes. */
  readonly #parts: boolean[] = [];
  /** The canonical position the seq goes before. */
  readonly #seqAt: number;
  /** The previous event's bytes per canonical position (with its comma), and the batch they are in. */
  readonly #starts: number[];
  readonly #ends: number[];
  readonly #commas: boolean[];
  #generation = -1;

  /** `keys`: the shape's member names in wire order; `parts[i]`: member i is a shared part. */
  constructor(keys: readonly string[], parts: readonly boolean[]) {
    // Code-unit order, as canonicalJson sorts; an event's own `seq` is replaced by the log's.
    const order = keys.map((key, member) => ({ key, member })).filter((entry) => entry.key !== 'seq');
    order.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const { key, member } of order) {
      this.#members.push(member);
      this.#names.push(Buffer.from(`${JSON.stringify(key)}:`, 'utf8'));
      this.#commaNames.push(Buffer.from(`,${JSON.stringify(key)}:`, 'utf8'));
      this.#parts.push(parts[member] === true);
    }
    const after = order.findIndex((entry) => entry.key > 'seq');
    this.#seqAt = after < 0 ? order.length : after;
    this.#starts = new Array<number>(order.length).fill(0);
    this.#ends = new Array<number>(order.length).fill(0);
    this.#commas = new Array<boolean>(order.length).fill(false);
  }

  /**
   * Writes one event: its values are `values[base + member]` (a shared part as its canonical
   * bytes); bit `member` of `same` (members below 30): the value is the previous event's of this shape.
   */
  write(values: readonly unknown[], base: number, same: number, seq: number, sink: ByteSink): void {
    const members = this.#members;
    const starts = this.#starts;
    const ends = this.#ends;
    const commas = this.#commas;
    // The previous event of this shape is in this batch's bytes only when the batch did not change.
    const reusable = this.#generation === sink.generation ? same : 0;
    this.#generation = sink.generation;
    // A run of the previous event's bytes not copied yet.
    let runStart = 0;
    let runEnd = 0;
    let wrote = false;
    sink.byte(0x7b);
    for (let at = 0; at <= members.length; at++) {
      if (at === this.#seqAt) {
        if (runEnd > runStart) sink.again(runStart, runEnd);
        runStart = runEnd = 0;
        sink.raw(wrote ? COMMA_SEQ : SEQ);
        sink.digits(seq);
        wrote = true;
      }
      if (at === members.length) break;
      const member = members[at]!;
      const value = values[base + member];
      if (member < 30 && (reusable & (1 << member)) !== 0 && commas[at] === wrote) {
        // As in the previous event, comma included: continue (or start) a run of its bytes.
        if (runEnd === runStart || runEnd !== starts[at]) {
          if (runEnd > runStart) sink.again(runStart, runEnd);
          runStart = runEnd = starts[at]!;
        }
        const start = sink.length + (runEnd - runStart);
        runEnd = ends[at]!;
        ends[at] = start + (ends[at]! - starts[at]!);
        starts[at] = start;
      } else {
        if (runEnd > runStart) sink.again(runStart, runEnd);
        runStart = runEnd = 0;
        const start = sink.length;
        commas[at] = wrote;
        if (value !== undefined) {
          sink.raw(wrote ? this.#commaNames[at]! : this.#names[at]!);
          if (this.#parts[at]) sink.raw(value as Uint8Array);
          else if (typeof value === 'string' && plainJsonString(value)) sink.quoted(value);
          else sink.text(canonicalJson(value));
          wrote = true;
        }
        starts[at] = start;
        ends[at] = sink.length;
      }
      if (value !== undefined) wrote = true;
    }
    if (runEnd > runStart) sink.again(runStart, runEnd);
    sink.byte(0x7d);
  }
}

const SEQ = Buffer.from('"seq":', 'latin1');
const COMMA_SEQ = Buffer.from(',"seq":', 'latin1');
