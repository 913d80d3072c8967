import type { Document } from 'bson';
import type { Action } from '@gatehouse/core';
import type { DocumentSequence } from '../protocol/op-msg.js';
import { classifyMongoCommand } from './classify-command.js';
import { commandShapeKey } from './shape-key.js';

/**
 * Commands whose classification reads nested values only through their names and types (filter
 * field paths, projection and sort keys, inserted documents' shape), so that commandShapeKey
 * determines it. Others read nested values (`multi`, delete `limit`, pipeline stages, namespaces,
 * cursor ids) and are classified every time.
 */
const SHAPE_CLASSIFIED_COMMANDS = new Set(['find', 'insert', 'count', 'distinct']);

const DEFAULT_MAX_ENTRIES = 1_024;
const NO_SEQUENCES: ReadonlyMap<string, readonly Document[]> = new Map();

/**
 * The fingerprint cache of the MongoDB classifier: commands of a shape seen before (the same
 * find-by-_id with another _id) get the same frozen actions back for a map lookup, and the
 * decider, which keys its decisions by the actions array, then answers from its own cache too.
 * Shared by the sessions of a listener; bounded (the oldest shape goes first).
 */
export class CommandClassifications {
  readonly #entries = new Map<string, readonly Action[]>();
  readonly #max: number;

  constructor(options: { readonly maxEntries?: number } = {}) {
    this.#max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The actions of the command whose shape key is `shapeKey` (from classificationKey), as
   * classifyMongoCommand would return them for `source.document` on `db`, its `$db`: from the
   * cache when the shape was seen, else classified (the document is only read then) and remembered.
   */
  classify(db: string, shapeKey: string, source: { readonly document: Document }): readonly Action[] {
    // The key holds the body's `$db` value byte for byte (a top-level scalar), and `db` is read
    // from that same element: the key alone tells databases apart.
    const cached = this.#entries.get(shapeKey);
    if (cached) return cached;
    const actions = frozen(classifyMongoCommand(db, source.document, NO_SEQUENCES));
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(shapeKey, actions);
    return actions;
  }
}

/**
 * The shape key of a command the cache may serve, else undefined: one of SHAPE_CLASSIFIED_COMMANDS,
 * with no kind 1 sequence but `documents` (the classifier never reads inserted documents sent that
 * way), and small enough for a key (commandShapeKey).
 */
export function classificationKey(name: string, body: Buffer, sequences: readonly DocumentSequence[]): string | undefined {
  if (!SHAPE_CLASSIFIED_COMMANDS.has(name)) return undefined;
  for (const sequence of sequences) if (sequence.identifier !== 'documents') return undefined;
  return commandShapeKey(body);
}

/** Shared by every command of the shape, so nothing downstream may change them. */
function frozen(actions: Action[]): readonly Action[] {
  for (const action of actions) {
    for (const object of action.objects) {
      if (object.columns) Object.freeze(object.columns);
      Object.freeze(object);
    }
    Object.freeze(action.objects);
    Object.freeze(action.flags);
    Object.freeze(action);
  }
  return Object.freeze(actions);
}
