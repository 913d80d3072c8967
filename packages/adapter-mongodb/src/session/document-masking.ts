import { deserialize, serialize } from 'bson';
import type { MaskObligation, MaskPlan, Masker, ResultColumn, ValueTypeClass } from '@gatehouse/core';
import { BsonType, encodeDocument, encodeElement, rawElements } from '../protocol/raw-bson.js';
import type { RawElement } from '../protocol/raw-bson.js';

/** Plans are cached per document shape; collections usually have a handful of shapes. */
const MAX_CACHED_PLANS = 256;

function typeClassOf(type: number): ValueTypeClass {
  switch (type) {
    case BsonType.String:
      return 'text';
    case BsonType.Document:
    case BsonType.Array:
      return 'json';
    case BsonType.Double:
    case BsonType.Int32:
    case BsonType.Int64:
    case BsonType.Decimal128:
      return 'number';
    case BsonType.Boolean:
      return 'boolean';
    case BsonType.Date:
    case BsonType.Timestamp:
      return 'date';
    case BsonType.Binary:
      return 'binary';
    default:
      return 'other';
  }
}

/**
 * One result column per top-level field: `table` is the namespace (plus the leading segments of a
 * dotted field name, as in change-stream `updatedFields`), so column rules written as
 * `db.collection.field.sub` match the field itself and, through the masker's nested walk, fields
 * inside embedded documents and arrays.
 */
function columnFor(namespace: string, fieldPath: string, type: number): ResultColumn {
  const dot = fieldPath.lastIndexOf('.');
  const table = dot < 0 ? namespace : `${namespace}.${fieldPath.slice(0, dot)}`;
  const column = dot < 0 ? fieldPath : fieldPath.slice(dot + 1);
  return { name: column, table, column, typeClass: typeClassOf(type) };
}

const VALUE_NAME = Buffer.from('v', 'utf8');

/** Decodes one element's value (any BSON type) through a one-field document. */
function elementValue(doc: Buffer, element: RawElement): unknown {
  const value = doc.subarray(element.valueStart, element.end);
  const mini = encodeDocument([encodeElement(element.type, VALUE_NAME, value)]);
  return deserialize(mini, { promoteValues: false, promoteBuffers: false, bsonRegExp: true })['v'];
}

/** Encodes `value` as an element named like `element` (raw name bytes kept). */
function replacementElement(doc: Buffer, element: RawElement, value: unknown): Buffer {
  const encoded = Buffer.from(serialize({ v: value }, { ignoreUndefined: false }));
  // encoded = int32 size, type, 'v', NUL, value…, NUL
  const type = encoded[4]!;
  const valueBytes = encoded.subarray(7, encoded.length - 1);
  return encodeElement(type, doc.subarray(element.start + 1, element.valueStart - 1), valueBytes);
}

/**
 * Masks documents in their raw form: only fields the plan masks are decoded and re-encoded; every
 * other field (and every unmasked document) is copied as bytes. BSON types survive: a masked string
 * stays a string, any other masked value becomes null (the masker's rule). Strict plans throw
 * MaskingError; the caller withholds the result.
 */
export class DocumentMasker {
  readonly #masker: Masker;
  readonly #obligation: MaskObligation;
  readonly #plans = new Map<string, MaskPlan>();
  #maskedValues = 0;

  constructor(masker: Masker, obligation: MaskObligation) {
    this.#masker = masker;
    this.#obligation = obligation;
  }

  get maskedValues(): number {
    return this.#maskedValues;
  }

  /** The document with masked fields rewritten, or the same buffer when nothing changed. */
  maskDocument(doc: Buffer, namespace: string): Buffer {
    const elements = rawElements(doc);
    if (elements.length === 0) return doc;
    const plan = this.#planFor(namespace, elements);
    if (!plan.active) return doc;
    let replaced: (Buffer | undefined)[] | undefined;
    for (const index of plan.maskedColumns) {
      const element = elements[index]!;
      if (element.type === BsonType.Null || element.type === BsonType.Undefined) continue;
      const value = elementValue(doc, element);
      const masked = plan.maskTypedValue(index, value);
      if (masked === value) continue;
      this.#maskedValues++;
      (replaced ??= [])[index] = replacementElement(doc, element, masked ?? null);
    }
    if (!replaced) return doc;
    const parts = elements.map((element, index) => replaced[index] ?? doc.subarray(element.start, element.end));
    return encodeDocument(parts);
  }

  /** Masks one value as if it were field `fieldPath` of `namespace` (distinct's `values`). */
  maskValue(valueDoc: Buffer, element: RawElement, namespace: string, fieldPath: string): Buffer | undefined {
    const plan = this.#plan(`${namespace}\u0000=${fieldPath}\u0000${element.type}`, () => [columnFor(namespace, fieldPath, element.type)]);
    if (!plan.active || element.type === BsonType.Null) return undefined;
    const value = elementValue(valueDoc, element);
    const masked = plan.maskTypedValue(0, value);
    if (masked === value) return undefined;
    this.#maskedValues++;
    return replacementElement(valueDoc, element, masked ?? null);
  }

  #planFor(namespace: string, elements: readonly RawElement[]): MaskPlan {
    let key = namespace;
    for (const element of elements) key += `\u0000${element.name}\u0001${element.type}`;
    return this.#plan(key, () => elements.map((element) => columnFor(namespace, element.name, element.type)));
  }

  #plan(key: string, columns: () => ResultColumn[]): MaskPlan {
    let plan = this.#plans.get(key);
    if (!plan) {
      plan = this.#masker.compilePlan({ obligation: this.#obligation, columns: columns(), dialect: 'mongodb' });
      if (this.#plans.size >= MAX_CACHED_PLANS) this.#plans.delete(this.#plans.keys().next().value!);
      this.#plans.set(key, plan);
    }
    return plan;
  }
}
