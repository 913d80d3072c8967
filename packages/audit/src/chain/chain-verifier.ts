import { eventHash, GENESIS_HASH } from './event-hash.js';

export const VERIFY_PROBLEM_KINDS = ['modified', 'removed', 'reordered', 'checkpoint-invalid'] as const;
export type VerifyProblemKind = (typeof VERIFY_PROBLEM_KINDS)[number];

export interface VerifyProblem {
  /** The first seq the problem concerns; for checkpoint-invalid, the seq the checkpoint claims. */
  readonly seq: number;
  readonly kind: VerifyProblemKind;
  readonly detail: string;
}

/** One stored event as the verifier needs it: the exact stored text and the hashes beside it. */
export interface StoredEventRow {
  readonly seq: number;
  readonly body: string;
  readonly prevHash: string;
  readonly hash: string;
  /** False when the searchable columns disagree with the hashed body (someone edited the index). */
  readonly indexMatches: boolean;
}

export interface ChainStart {
  /** The last pruned event: the first remaining event must link to it. Absent = genesis. */
  readonly seq: number;
  readonly hash: string;
}

/**
 * Walks stored events in seq order and records where the chain breaks. Pure: stores page rows in,
 * the JSONL verifier could too. After a problem it re-syncs on the stored hash, so one edit is
 * reported once, at the event that was changed, and later events still get checked.
 */
export class ChainVerifier {
  readonly #problems = new Map<number, VerifyProblem>();
  readonly #checkpoints: ReadonlyMap<number, string>;
  readonly #start: ChainStart | undefined;
  #prev: { seq: number; hash: string } | undefined;
  #count = 0;
  #first: number | undefined;

  constructor(start: ChainStart | undefined, checkpointHashes: ReadonlyMap<number, string>) {
    this.#start = start;
    this.#checkpoints = checkpointHashes;
  }

  get events(): number {
    return this.#count;
  }

  get firstSeq(): number | undefined {
    return this.#first;
  }

  get lastSeq(): number | undefined {
    return this.#prev?.seq;
  }

  report(problem: VerifyProblem): void {
    if (!this.#problems.has(problem.seq)) this.#problems.set(problem.seq, problem);
  }

  feed(row: StoredEventRow): void {
    this.#count++;
    this.#first ??= row.seq;
    const prev = this.#prev ?? this.#start;
    const expectedSeq = prev ? prev.seq + 1 : 1;
    const expectedPrevHash = prev ? prev.hash : GENESIS_HASH;
    const gap = row.seq > expectedSeq;
    if (gap) {
      const range = row.seq - 1 === expectedSeq ? `event ${expectedSeq} is` : `events ${expectedSeq}..${row.seq - 1} are`;
      this.report({ seq: expectedSeq, kind: 'removed', detail: `${range} missing from the trail` });
    }
    const claimedSeq = bodySeq(row.body);
    if (claimedSeq !== row.seq) {
      this.report({ seq: row.seq, kind: 'reordered', detail: `the event stored at seq ${row.seq} says it is seq ${String(claimedSeq)}` });
    } else if (eventHash(row.prevHash, row.body) !== row.hash) {
      this.report({ seq: row.seq, kind: 'modified', detail: `event ${row.seq} no longer matches its hash` });
    } else if (!gap && row.prevHash !== expectedPrevHash) {
      // This event is intact but does not link to its predecessor: the predecessor was rewritten
      // (body and hash together); with no predecessor, this event's link itself was forged.
      const culprit = this.#prev ? this.#prev.seq : row.seq;
      this.report({ seq: culprit, kind: 'modified', detail: `event ${culprit} was rewritten: event ${row.seq} no longer links to it` });
    } else if (!row.indexMatches) {
      this.report({ seq: row.seq, kind: 'modified', detail: `event ${row.seq}'s searchable columns differ from the hashed event` });
    }
    const signed = this.#checkpoints.get(row.seq);
    if (signed !== undefined && signed !== row.hash) {
      this.report({ seq: row.seq, kind: 'modified', detail: `event ${row.seq} differs from the signed checkpoint` });
    }
    this.#prev = { seq: row.seq, hash: row.hash };
  }

  /** Call after the last row; `headSeq` is the last seq the store says it appended. */
  finish(headSeq: number): readonly VerifyProblem[] {
    const last = this.#prev?.seq ?? this.#start?.seq ?? 0;
    const signedBeyond = [...this.#checkpoints.keys()].filter((seq) => seq > last);
    const claimedEnd = Math.max(headSeq, ...signedBeyond);
    if (claimedEnd > last) {
      this.report({ seq: last + 1, kind: 'removed', detail: `the trail ends at ${last} but events up to ${claimedEnd} were appended: the tail was cut` });
    }
    return [...this.#problems.values()].sort((a, b) => a.seq - b.seq);
  }
}

function bodySeq(body: string): unknown {
  try {
    return (JSON.parse(body) as { seq?: unknown }).seq;
  } catch {
    return undefined;
  }
}
