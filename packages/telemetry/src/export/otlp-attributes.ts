import type { AttributeValue, Attributes } from '@opentelemetry/api';
import { ProtoWriter, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT, delimitedSize, tagSize, utf8Size, varintSize } from './proto-writer.js';

/*
 * OTLP `KeyValue` / `AnyValue` encoding (opentelemetry-proto common.proto), the way
 * @opentelemetry/otlp-transformer writes them: integers in the int64 range as `int_value`, other
 * numbers as `double_value`, arrays as `array_value`. Attribute sets that repeat (a statement
 * shape's, a session's, a decision's) are encoded once into a fragment (encodeAttributes) that the
 * span encoder copies; attributes that change per statement are measured and written directly.
 */

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

const isInt64 = (value: number): boolean => Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64;

/** Size of an AnyValue message's content. Unsupported values (null inside an array) encode as an empty AnyValue. */
export function anyValueSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return delimitedSize(1, utf8Size(value));
    case 'boolean':
      return 2;
    case 'number':
      return isInt64(value) ? 1 + varintSize(value) : 9;
    default:
      if (value instanceof Uint8Array) return delimitedSize(7, value.length);
      if (Array.isArray(value)) {
        let content = 0;
        for (const item of value) content += delimitedSize(1, anyValueSize(item));
        return delimitedSize(5, content);
      }
      return 0;
  }
}

export function writeAnyValue(writer: ProtoWriter, value: unknown): void {
  switch (typeof value) {
    case 'string':
      writer.tag(1, WIRE_LENGTH_DELIMITED);
      writer.string(value, utf8Size(value));
      return;
    case 'boolean':
      writer.tag(2, WIRE_VARINT);
      writer.varint(value ? 1 : 0);
      return;
    case 'number':
      if (isInt64(value)) {
        writer.tag(3, WIRE_VARINT);
        writer.varint(value);
      } else {
        writer.tag(4, WIRE_FIXED64);
        writer.double(value);
      }
      return;
    default:
      if (value instanceof Uint8Array) {
        writer.tag(7, WIRE_LENGTH_DELIMITED);
        writer.varint(value.length);
        writer.raw(value);
      } else if (Array.isArray(value)) {
        let content = 0;
        for (const item of value) content += delimitedSize(1, anyValueSize(item));
        writer.tag(5, WIRE_LENGTH_DELIMITED);
        writer.varint(content);
        for (const item of value) {
          writer.tag(1, WIRE_LENGTH_DELIMITED);
          writer.varint(anyValueSize(item));
          writeAnyValue(writer, item);
        }
      }
  }
}

/** Size of one KeyValue message's content. */
export function keyValueSize(key: string, value: AttributeValue): number {
  return delimitedSize(1, utf8Size(key)) + delimitedSize(2, anyValueSize(value));
}

/** Size of a `repeated KeyValue` entry in field `field`: tag, length, KeyValue. */
export function attributeSize(field: number, key: string, value: AttributeValue): number {
  return delimitedSize(field, keyValueSize(key, value));
}

export function writeAttribute(writer: ProtoWriter, field: number, key: string, value: AttributeValue): void {
  writer.tag(field, WIRE_LENGTH_DELIMITED);
  writer.varint(keyValueSize(key, value));
  writer.tag(1, WIRE_LENGTH_DELIMITED);
  writer.string(key, utf8Size(key));
  writer.tag(2, WIRE_LENGTH_DELIMITED);
  writer.varint(anyValueSize(value));
  writeAnyValue(writer, value);
}

/**
 * An attribute set as the bytes of its `repeated KeyValue` field `field`, in the object's order.
 * Undefined and null values are left out, as the SDK's setAttributes leaves them out.
 */
export function encodeAttributes(attributes: Attributes, field: number): Buffer {
  let size = 0;
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined && value !== null) size += attributeSize(field, key, value);
  }
  const writer = new ProtoWriter(size);
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined && value !== null) writeAttribute(writer, field, key, value);
  }
  return writer.finish();
}

/** One attribute as the bytes of a `repeated KeyValue` entry in field `field`. */
export function encodeAttribute(field: number, key: string, value: AttributeValue): Buffer {
  const writer = new ProtoWriter(attributeSize(field, key, value));
  writeAttribute(writer, field, key, value);
  return writer.finish();
}

/** Keys, and values per key, an AttributeEntries cache keeps (approval ids, say, are each seen once). */
const MAX_CACHED_KEYS = 64;
const MAX_CACHED_VALUES_PER_KEY = 256;
/** Entries compared before the maps are asked. */
const RECENT_ENTRIES = 8;

/**
 * Encoded attribute entries by key and value, for attributes that statements add with a handful
 * of values (a result, an error code, a row count of 1): most are encoded once, then copied.
 * Bounded: values beyond the bound are encoded each time. Arrays are never cached.
 */
export class AttributeEntries {
  readonly #field: number;
  readonly #byKey = new Map<string, Map<string | number | boolean, Buffer>>();
  /**
   * The entries handed out last, compared before the maps are asked: a statement adds the same
   * few pairs as the one before (result ok, no masked values, one row), and comparing a few keys
   * and values costs less than two map lookups.
   */
  readonly #recent: { readonly key: string; readonly value: string | number | boolean; readonly encoded: Buffer }[] = [];
  #nextRecent = 0;

  constructor(field: number) {
    this.#field = field;
  }

  of(key: string, value: AttributeValue): Buffer {
    if (typeof value === 'object') return encodeAttribute(this.#field, key, value);
    const recent = this.#recent;
    for (let i = 0; i < recent.length; i++) {
      const entry = recent[i]!;
      if (entry.key === key && Object.is(entry.value, value)) return entry.encoded;
    }
    const encoded = this.#lookUp(key, value);
    const entry = { key, value, encoded };
    if (recent.length < RECENT_ENTRIES) recent.push(entry);
    else {
      recent[this.#nextRecent] = entry;
      this.#nextRecent = (this.#nextRecent + 1) % RECENT_ENTRIES;
    }
    return encoded;
  }

  #lookUp(key: string, value: string | number | boolean): Buffer {
    let values = this.#byKey.get(key);
    if (!values) {
      if (this.#byKey.size >= MAX_CACHED_KEYS) return encodeAttribute(this.#field, key, value);
      this.#byKey.set(key, (values = new Map()));
    }
    let encoded = values.get(value);
    if (!encoded) {
      encoded = encodeAttribute(this.#field, key, value);
      if (values.size < MAX_CACHED_VALUES_PER_KEY) values.set(value, encoded);
    }
    return encoded;
  }
}

/** A string field (tag, length, UTF-8) as bytes, e.g. a span name encoded once per statement shape. */
export function encodeStringField(field: number, text: string): Buffer {
  const size = utf8Size(text);
  const writer = new ProtoWriter(tagSize(field) + varintSize(size) + size);
  writer.tag(field, WIRE_LENGTH_DELIMITED);
  writer.string(text, size);
  return writer.finish();
}
