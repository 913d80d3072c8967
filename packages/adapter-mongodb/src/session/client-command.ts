import { Binary } from 'bson';
import type { Document } from 'bson';
import { classificationKey } from '../classify/classification-cache.js';
import { decodeDocument } from '../protocol/bson-codec.js';
import { assertValidBson } from '../protocol/bson-validate.js';
import type { DocumentSequence } from '../protocol/op-msg.js';
import { BsonType, findElement, readString } from '../protocol/raw-bson.js';
import type { RawElement } from '../protocol/raw-bson.js';
import { lsidKey } from './operation-registry.js';


/**
 * An authenticated client's command, read as little as the relay needs. A command the
 * classification cache serves (`shapeKey`) is checked as decoding would check it (assertValidBson)
 * and its few top-level fields ($db, lsid, comment, the command's own value) are read from the raw
 * body; the whole document is decoded only when something asks for it (a new shape, row filters,
 * a mask plan). Any other command is decoded at once. Either way the body is checked before
 * anything else happens, so malformed input still closes the connection.
 */
export class ClientCommand {
  readonly name: string;
  readonly body: Buffer;
  /** The key under which the classification cache knows this command's shape, if it may. */
  readonly shapeKey: string | undefined;
  #document: Document | undefined;
  /** The top-level elements, when the raw body is what the fields are read from. */
  readonly #elements: readonly RawElement[] | undefined;

  /** `elements`: rawElements(body), which the caller read for the name (commandNameOf). */
  constructor(name: string, body: Buffer, elements: readonly RawElement[], sequences: readonly DocumentSequence[]) {
    this.name = name;
    this.body = body;
    this.shapeKey = classificationKey(name, body, sequences);
    if (this.shapeKey === undefined) {
      this.#document = decodeDocument(body);
      return;
    }
    assertValidBson(body);
    this.#elements = readableRaw(elements) ? elements : undefined;
  }

  /** The decoded command (decoded on first use). */
  get document(): Document {
    return (this.#document ??= decodeDocument(this.body));
  }

  /** `$db` when it is a string, as `document.$db` would give it. */
  get db(): string | undefined {
    const elements = this.#elements;
    if (!elements) return stringOr(this.document['$db']);
    const element = findElement(elements, '$db');
    return element ? readString(this.body, element) : undefined;
  }

  /** The command's own value when it is a string (the collection), as `document[name]` would give it. */
  get target(): string | undefined {
    const elements = this.#elements;
    if (!elements) return stringOr(this.document[this.name]);
    const element = lastElement(elements, this.name);
    return element ? readString(this.body, element) : undefined;
  }

  /** Whether the client set a `comment` (an explicit BSON undefined counts as none, as decoded). */
  get hasComment(): boolean {
    const elements = this.#elements;
    if (!elements) return this.document['comment'] !== undefined;
    const element = findElement(elements, 'comment');
    return element !== undefined && element.type !== BsonType.Undefined;
  }

  /** lsidKey of the command's `lsid`: the hex of its id's bytes, read in place for the usual `{id: UUID}`. */
  get lsid(): string | undefined {
    const elements = this.#elements;
    const element = elements && findElement(elements, 'lsid');
    if (!elements || (element && element.type === BsonType.Document)) {
      // An lsid document: read raw only when it is plainly {id: <binary>} (no $-keys that would make
      // the decoder see a DBRef, no second id, no old-style binary with its inner length).
      const raw = element ? rawLsid(this.body.subarray(element.valueStart, element.end)) : undefined;
      return raw ?? lsidKey(this.document['lsid']);
    }
    return element ? lsidKey(this.document['lsid']) : undefined;
  }
}

/**
 * The command's name as the decoded document's first key (Object.keys order: integer-like names
 * come first, in numeric order), so raw and decoded reading never disagree on it.
 */
export function commandNameOf(elements: readonly RawElement[]): string {
  let lowestIndex: number | undefined;
  for (const element of elements) {
    const first = element.name.charCodeAt(0);
    if (first < 0x30 || first > 0x39 || !ARRAY_INDEX.test(element.name)) continue;
    const index = Number(element.name);
    if (index < MAX_ARRAY_INDEX && (lowestIndex === undefined || index < lowestIndex)) lowestIndex = index;
  }
  return lowestIndex !== undefined ? String(lowestIndex) : (elements[0]?.name ?? '');
}

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;
const MAX_ARRAY_INDEX = 4_294_967_295;

/**
 * The raw fields agree with the decoded document unless one of those read raw ($db, lsid,
 * comment) is given twice (decoding keeps the last, findElement the first).
 */
function readableRaw(elements: readonly RawElement[]): boolean {
  let db = 0;
  let lsid = 0;
  let comment = 0;
  for (const element of elements) {
    if (element.name === '$db') db++;
    else if (element.name === 'lsid') lsid++;
    else if (element.name === 'comment') comment++;
  }
  return db <= 1 && lsid <= 1 && comment <= 1;
}

/** Decoded documents keep the last of repeated names; so does this. */
function lastElement(elements: readonly RawElement[], name: string): RawElement | undefined {
  let found: RawElement | undefined;
  for (const element of elements) if (element.name === name) found = element;
  return found;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * `{id: Binary}` and nothing else (the form every driver sends): the hex of the id's bytes, read in
 * place; undefined to let the decoder decide anything else (more fields, $-keys a decoder would
 * read as a DBRef, old-style binary subtype 2 with its inner length).
 */
function rawLsid(lsid: Buffer): string | undefined {
  // int32 size, 0x05 "id\0", int32 length, subtype, bytes, 0x00
  if (lsid.length < 14 || lsid[4] !== BsonType.Binary || lsid[5] !== 0x69 || lsid[6] !== 0x64 || lsid[7] !== 0) return undefined;
  const length = lsid.readInt32LE(8);
  if (length < 0 || 13 + length + 1 !== lsid.length || lsid[12] === Binary.SUBTYPE_BYTE_ARRAY) return undefined;
  return lsid.toString('hex', 13, 13 + length);
}
