import { Binary } from 'bson';
import type { Document } from 'bson';
import { classificationKey } from '../classify/classification-cache.js';
import { decodeDocument } from '../protocol/bson-codec.js';
import type { DocumentSequence } from '../protocol/op-msg.js';
import { BsonType, readString } from '../protocol/raw-bson.js';
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
  /** The fields read from the raw body (found in one pass), when the body is what they are read from. */
  readonly #raw: RawFields | undefined;

  /** `elements`: rawElements(body), which the caller read for the name (commandNameOf). */
  constructor(name: string, body: Buffer, elements: readonly RawElement[], sequences: readonly DocumentSequence[]) {
    this.name = name;
    this.body = body;
    this.shapeKey = classificationKey(name, body, sequences);
    if (this.shapeKey === undefined) {
      this.#document = decodeDocument(body);
      return;
    }
    // The shape key's walk checked the body as decoding would (assertValidBson's checks).
    this.#raw = rawFields(elements, name);
  }

  /** The decoded command (decoded on first use). */
  get document(): Document {
    return (this.#document ??= decodeDocument(this.body));
  }

  /** `$db` when it is a string, as `document.$db` would give it. */
  get db(): string | undefined {
    const raw = this.#raw;
    if (!raw) return stringOr(this.document['$db']);
    return raw.db ? readString(this.body, raw.db) : undefined;
  }

  /** The command's own value when it is a string (the collection), as `document[name]` would give it. */
  get target(): string | undefined {
    const raw = this.#raw;
    if (!raw) return stringOr(this.document[this.name]);
    return raw.target ? readString(this.body, raw.target) : undefined;
  }

  /** Whether the client set a `comment` (an explicit BSON undefined counts as none, as decoded). */
  get hasComment(): boolean {
    const raw = this.#raw;
    if (!raw) return this.document['comment'] !== undefined;
    return raw.comment !== undefined && raw.comment.type !== BsonType.Undefined;
  }

  /** lsidKey of the command's `lsid`: the hex of its id's bytes, read in place for the usual `{id: UUID}`. */
  get lsid(): string | undefined {
    const raw = this.#raw;
    const element = raw?.lsid;
    if (!raw || (element && element.type === BsonType.Document)) {
      // An lsid document: read raw only when it is plainly {id: <binary>} (no $-keys that would make
      // the decoder see a DBRef, no second id, no old-style binary with its inner length).
      const key = element ? rawLsid(this.body, element.valueStart, element.end) : undefined;
      return key ?? lsidKey(this.document['lsid']);
    }
    return element ? lsidKey(this.document['lsid']) : undefined;
  }
}

/** The top-level elements the relay reads from a raw body. */
interface RawFields {
  readonly db: RawElement | undefined;
  readonly lsid: RawElement | undefined;
  readonly comment: RawElement | undefined;
  /** The last element named as the command (decoding keeps the last of repeated names). */
  readonly target: RawElement | undefined;
}

/**
 * $db, lsid, comment and the command's own element, in one pass. Undefined when one of $db, lsid
 * or comment is given twice: decoding keeps the last, and the relay then reads the decoded
 * document so that both ways of reading never disagree.
 */
function rawFields(elements: readonly RawElement[], name: string): RawFields | undefined {
  let db: RawElement | undefined;
  let lsid: RawElement | undefined;
  let comment: RawElement | undefined;
  let target: RawElement | undefined;
  for (const element of elements) {
    const elementName = element.name;
    if (elementName === name) target = element;
    if (elementName === '$db') {
      if (db) return undefined;
      db = element;
    } else if (elementName === 'lsid') {
      if (lsid) return undefined;
      lsid = element;
    } else if (elementName === 'comment') {
      if (comment) return undefined;
      comment = element;
    }
  }
  return { db, lsid, comment, target };
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

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * `{id: Binary}` and nothing else (the form every driver sends): the hex of the id's bytes, read in
 * place; undefined to let the decoder decide anything else (more fields, $-keys a decoder would
 * read as a DBRef, old-style binary subtype 2 with its inner length).
 */
function rawLsid(body: Buffer, start: number, end: number): string | undefined {
  // int32 size, 0x05 "id\0", int32 length, subtype, bytes, 0x00
  if (end - start < 14 || body[start + 4] !== BsonType.Binary || body[start + 5] !== 0x69 || body[start + 6] !== 0x64 || body[start + 7] !== 0) return undefined;
  const length = body.readInt32LE(start + 8);
  if (length < 0 || 13 + length + 1 !== end - start || body[start + 12] === Binary.SUBTYPE_BYTE_ARRAY) return undefined;
  return body.toString('hex', start + 13, start + 13 + length);
}
