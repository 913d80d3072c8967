import { BsonType, encodeDocument, encodeElement, findElement, rawElements, readInteger, readString } from '../protocol/raw-bson.js';
import type { RawElement } from '../protocol/raw-bson.js';
import type { DocumentMasker } from './document-masking.js';

/** A cursor reported in a reply. */
export interface CursorSeen {
  readonly id: bigint;
  /** The server's `ns`; not read for a closed cursor (id 0) when nothing is masked. */
  readonly namespace: string | undefined;
  readonly batch: 'firstBatch' | 'nextBatch' | undefined;
  /** Documents in the batch; counted only when the context asks for it (or a masker walks them). */
  readonly count: number | undefined;
}

/** What to do with a cursor reply: keep only the first `keep` documents and end the cursor (id 0). */
export interface CursorCut {
  readonly keep: number;
}

export interface ReplyContext {
  /** Present only when the decision carries a mask plan. */
  readonly masker: DocumentMasker | undefined;
  /** Namespace of the command, for replies that do not name one (findAndModify, distinct). */
  readonly namespace: string;
  readonly changeStream: boolean;
  /** distinct's key: its `values` are masked as that field. */
  readonly distinctKey: string | undefined;
  /** distinct's row limit: at most this many `values`; `onValuesCut` is told when some were dropped. */
  readonly valuesLimit?: number;
  onValuesCut?(): void;
  /** Count each batch's documents (for the row count and the row limit). */
  readonly countRows?: boolean;
  redactText(text: string): string;
  /** Told about every cursor in a reply; answers with a cut when the client must get fewer documents. */
  onCursor(cursor: CursorSeen): CursorCut | undefined;
}

/** Top-level fields worth a look; a reply with none of them is forwarded without any parsing beyond names. */
const INTERESTING = new Set(['cursor', 'value', 'values', 'errmsg', 'writeErrors', 'writeConcernError']);

/**
 * Everything the gateway may need to change in a command reply: cursor batches and findAndModify's
 * `value` masked, distinct's `values` masked, error messages redacted; cursors reported for the
 * ownership registry. Returns the same buffer when nothing changed.
 */
export function rewriteReply(body: Buffer, context: ReplyContext): Buffer {
  const parts = rewriteReplyParts(body, context);
  return parts ? Buffer.concat(parts) : body;
}

/**
 * rewriteReply without the final copy: the new body as consecutive pieces (length prefix, elements,
 * terminating NUL), or undefined when nothing changed. The session writes the pieces as they are.
 */
export function rewriteReplyParts(body: Buffer, context: ReplyContext): Buffer[] | undefined {
  const elements = rawElements(body);
  let replaced: (Buffer | undefined)[] | undefined;
  for (let index = 0; index < elements.length; index++) {
    const element = elements[index]!;
    if (!INTERESTING.has(element.name)) continue;
    const next = rewriteTopLevel(body, element, context);
    if (next) (replaced ??= [])[index] = next;
  }
  if (!replaced) return undefined;
  const parts: Buffer[] = [Buffer.allocUnsafe(4)];
  let size = 5;
  for (let index = 0; index < elements.length; index++) {
    const element = elements[index]!;
    const part = replaced[index] ?? body.subarray(element.start, element.end);
    parts.push(part);
    size += part.length;
  }
  parts[0]!.writeInt32LE(size, 0);
  parts.push(TERMINATOR);
  return parts;
}

const TERMINATOR = Buffer.from([0]);

function rebuild(doc: Buffer, elements: readonly RawElement[], replaced: ReadonlyMap<number, Buffer>): Buffer {
  if (replaced.size === 0) return doc;
  return encodeDocument(elements.map((element, index) => replaced.get(index) ?? doc.subarray(element.start, element.end)));
}

/** A new element with the same name and type and a new embedded-document value. */
function withValue(doc: Buffer, element: RawElement, value: Buffer): Buffer {
  return encodeElement(element.type, doc.subarray(element.start + 1, element.valueStart - 1), value);
}

function subdocument(doc: Buffer, element: RawElement): Buffer {
  return doc.subarray(element.valueStart, element.end);
}

function rewriteTopLevel(body: Buffer, element: RawElement, context: ReplyContext): Buffer | undefined {
  switch (element.name) {
    case 'cursor':
      return element.type === BsonType.Document ? rewriteCursor(body, element, context) : undefined;
    case 'value':
      if (!context.masker || element.type !== BsonType.Document) return undefined;
      return replaceIfChanged(body, element, context.masker.maskDocument(subdocument(body, element), context.namespace));
    case 'values':
      if ((!context.masker && context.valuesLimit === undefined) || element.type !== BsonType.Array || context.distinctKey === undefined) return undefined;
      return rewriteDistinctValues(body, element, context, context.distinctKey);
    case 'errmsg':
      return redactString(body, element, context);
    case 'writeErrors':
      return element.type === BsonType.Array ? rewriteArray(body, element, (item) => rewriteError(item, context)) : undefined;
    case 'writeConcernError':
      return element.type === BsonType.Document ? replaceIfChanged(body, element, rewriteError(subdocument(body, element), context)) : undefined;
    default:
      return undefined;
  }
}

function replaceIfChanged(doc: Buffer, element: RawElement, next: Buffer): Buffer | undefined {
  return next === undefined || next.equals(subdocument(doc, element)) ? undefined : withValue(doc, element, next);
}

function redactString(doc: Buffer, element: RawElement, context: ReplyContext): Buffer | undefined {
  const text = readString(doc, element);
  if (text === undefined) return undefined;
  const redacted = context.redactText(text);
  if (redacted === text) return undefined;
  const bytes = Buffer.from(redacted, 'utf8');
  const value = Buffer.allocUnsafe(4 + bytes.length + 1);
  value.writeInt32LE(bytes.length + 1, 0);
  bytes.copy(value, 4);
  value[4 + bytes.length] = 0;
  return encodeElement(BsonType.String, doc.subarray(element.start + 1, element.valueStart - 1), value);
}

/** A write error: errmsg redacted; errInfo (which can quote the offending document) dropped. */
function rewriteError(doc: Buffer, context: ReplyContext): Buffer {
  const elements = rawElements(doc);
  const replaced = new Map<number, Buffer>();
  const kept: number[] = [];
  elements.forEach((element, index) => {
    if (element.name === 'errInfo') return;
    kept.push(index);
    if (element.name === 'errmsg') {
      const next = redactString(doc, element, context);
      if (next) replaced.set(index, next);
    }
  });
  if (replaced.size === 0 && kept.length === elements.length) return doc;
  return encodeDocument(kept.map((index) => replaced.get(index) ?? doc.subarray(elements[index]!.start, elements[index]!.end)));
}

/** Rewrites each embedded-document item of an array element; undefined when none changed. */
function rewriteArray(doc: Buffer, element: RawElement, rewrite: (item: Buffer) => Buffer): Buffer | undefined {
  const array = subdocument(doc, element);
  const items = rawElements(array);
  const replaced = new Map<number, Buffer>();
  items.forEach((item, index) => {
    if (item.type !== BsonType.Document) return;
    const before = subdocument(array, item);
    const after = rewrite(before);
    if (after !== before) replaced.set(index, withValue(array, item, after));
  });
  if (replaced.size === 0) return undefined;
  return withValue(doc, element, rebuild(array, items, replaced));
}

function rewriteCursor(body: Buffer, element: RawElement, context: ReplyContext): Buffer | undefined {
  const cursor = subdocument(body, element);
  const fields = rawElements(cursor);
  const idElement = findElement(fields, 'id');
  const batchElement = findElement(fields, 'firstBatch') ?? findElement(fields, 'nextBatch');
  const id = idElement ? readInteger(cursor, idElement) : undefined;
  const masker = context.masker;
  // The namespace matters for an open cursor (registered, or killed at a row limit) and for
  // masking; a closed, unmasked one (every find-by-_id) is not decoded for it.
  const nsElement = id !== 0n || masker ? findElement(fields, 'ns') : undefined;
  const namespace = nsElement ? readString(cursor, nsElement) : undefined;
  const array = batchElement && batchElement.type === BsonType.Array ? subdocument(cursor, batchElement) : undefined;
  // A batch is skipped by its length unless something needs its documents.
  const items = array && (masker || context.countRows) ? rawElements(array) : undefined;
  const cut = id !== undefined ? context.onCursor({ id, namespace, batch: batchElement?.name as CursorSeen['batch'], count: items?.length }) : undefined;
  if (!batchElement || !array || !items || (!masker && !cut)) return undefined;
  const kept = cut ? items.slice(0, Math.max(0, cut.keep)) : items;
  const batchNamespace = namespace && !namespace.includes('.$cmd') ? namespace : context.namespace;
  // The batch is the bulk of the reply: its documents are masked into a list of slices and new
  // bytes, and the new cursor element is assembled in one allocation (not array, then cursor).
  const parts: Buffer[] = [];
  let changed = cut !== undefined;
  let arraySize = 5;
  for (const item of kept) {
    let doc = subdocument(array, item);
    if (masker && item.type === BsonType.Document) {
      const masked = context.changeStream ? maskChangeEvent(doc, masker, batchNamespace) : masker.maskDocument(doc, batchNamespace);
      if (masked !== doc) {
        changed = true;
        doc = masked;
      }
    }
    const head = array.subarray(item.start, item.valueStart);
    parts.push(head, doc);
    arraySize += head.length + doc.length;
  }
  if (!changed) return undefined;
  if (cut) return cutCursor(body, element, cursor, fields, batchElement, parts, arraySize);
  const before = cursor.subarray(4, batchElement.valueStart);
  const after = cursor.subarray(batchElement.end, cursor.length);
  const name = body.subarray(element.start + 1, element.valueStart - 1);
  const cursorSize = 4 + before.length + arraySize + after.length;
  const out = Buffer.allocUnsafe(1 + name.length + 1 + cursorSize);
  let at = 0;
  out[at++] = element.type;
  at += name.copy(out, at);
  out[at++] = 0;
  at = out.writeInt32LE(cursorSize, at);
  at += before.copy(out, at);
  at = out.writeInt32LE(arraySize, at);
  for (const part of parts) at += part.copy(out, at);
  out[at++] = 0;
  after.copy(out, at);
  return out;
}

const CLOSED_CURSOR_ID = Buffer.alloc(8);

/** The cursor element with the batch cut to `parts` and its id 0: the client sees the cursor end. */
function cutCursor(body: Buffer, element: RawElement, cursor: Buffer, fields: readonly RawElement[], batch: RawElement, parts: readonly Buffer[], arraySize: number): Buffer {
  const array = Buffer.allocUnsafe(arraySize);
  array.writeInt32LE(arraySize, 0);
  let at = 4;
  for (const part of parts) at += part.copy(array, at);
  array[at] = 0;
  const elements = fields.map((field) => {
    if (field === batch) return withValue(cursor, field, array);
    if (field.name === 'id') return encodeElement(BsonType.Int64, 'id', CLOSED_CURSOR_ID);
    return cursor.subarray(field.start, field.end);
  });
  return withValue(body, element, encodeDocument(elements));
}

const CHANGE_EVENT_DOCUMENTS = new Set(['fullDocument', 'fullDocumentBeforeChange', 'documentKey']);

/** A change event: the documents it carries are masked as documents of the namespace in its `ns`. */
function maskChangeEvent(event: Buffer, masker: DocumentMasker, fallback: string): Buffer {
  const fields = rawElements(event);
  const nsElement = findElement(fields, 'ns');
  let namespace = fallback;
  if (nsElement && nsElement.type === BsonType.Document) {
    const ns = subdocument(event, nsElement);
    const parts = rawElements(ns);
    const db = findElement(parts, 'db');
    const coll = findElement(parts, 'coll');
    const dbName = db ? readString(ns, db) : undefined;
    const collName = coll ? readString(ns, coll) : undefined;
    if (dbName && collName) namespace = `${dbName}.${collName}`;
  }
  const replaced = new Map<number, Buffer>();
  fields.forEach((field, index) => {
    if (field.type !== BsonType.Document) return;
    if (CHANGE_EVENT_DOCUMENTS.has(field.name)) {
      const next = replaceIfChanged(event, field, masker.maskDocument(subdocument(event, field), namespace));
      if (next) replaced.set(index, next);
    } else if (field.name === 'updateDescription') {
      const description = subdocument(event, field);
      const parts = rawElements(description);
      const updated = findElement(parts, 'updatedFields');
      if (!updated || updated.type !== BsonType.Document) return;
      const masked = replaceIfChanged(description, updated, masker.maskDocument(subdocument(description, updated), namespace));
      if (masked) replaced.set(index, withValue(event, field, rebuild(description, parts, new Map([[parts.indexOf(updated), masked]]))));
    }
  });
  return rebuild(event, fields, replaced);
}

function rewriteDistinctValues(body: Buffer, element: RawElement, context: ReplyContext, key: string): Buffer | undefined {
  const array = subdocument(body, element);
  const all = rawElements(array);
  const limit = context.valuesLimit;
  const items = limit !== undefined && all.length > limit ? all.slice(0, limit) : all;
  if (items !== all) context.onValuesCut?.();
  const replaced = new Map<number, Buffer>();
  const masker = context.masker;
  if (masker) {
    items.forEach((item, index) => {
      const next = masker.maskValue(array, item, context.namespace, key);
      if (next) replaced.set(index, next);
    });
  }
  if (replaced.size === 0 && items === all) return undefined;
  return withValue(body, element, encodeDocument(items.map((item, index) => replaced.get(index) ?? array.subarray(item.start, item.end))));
}
