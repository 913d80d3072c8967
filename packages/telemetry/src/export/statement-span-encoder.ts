import type { Attributes } from '@opentelemetry/api';
import { encodeAttributes, encodeStringField } from './otlp-attributes.js';
import type { LeanStatementSpan } from './lean-statement-span.js';
import { ProtoWriter, WIRE_FIXED32, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT, delimitedSize } from './proto-writer.js';

/*
 * An OTLP ExportTraceServiceRequest (opentelemetry-proto trace/v1, collector/trace/v1) of statement
 * spans, written the way @opentelemetry/otlp-transformer's ProtobufTraceSerializer writes SDK
 * spans, so a collector receives the same bytes:
 *
 *   ExportTraceServiceRequest { 1: ResourceSpans { 1: Resource, 2: ScopeSpans { 1: scope, 2: Span… } } }
 *
 * The resource and the scope are encoded once; per span, the cached fragments (name, shape,
 * session and decision attributes) are copied and only ids, times, added attributes, events and
 * status are written.
 */

const SPAN_KIND_CLIENT = 3; // OTLP SpanKind: the API's CLIENT (2) + 1
const STATUS_ERROR = 2;
const STATUS_UNSET = 0;
/** Span.flags: the W3C trace flags and "has is_remote" (the statement's parent, the session span, is local). */
const FLAGS_HAS_IS_REMOTE = 0x100;

/** Bytes of a span's fixed parts: trace id, span id, parent span id, kind, times, the zero counts, status, flags. */
const FIXED_SPAN_SIZE =
  2 + 16 + // trace_id
  2 + 8 + // span_id
  2 + 8 + // parent_span_id
  2 + // kind
  1 + 8 + // start_time_unix_nano
  1 + 8 + // end_time_unix_nano
  2 + // dropped_attributes_count
  2 + // dropped_events_count
  2 + // dropped_links_count
  1 + 1 + 2 + // status { code }
  2 + 4; // flags

export interface InstrumentationScopeLike {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
}

export class StatementSpanEncoder {
  /** ResourceSpans field 1 (Resource) and, when set, field 3 (schema_url). */
  readonly #resource: Buffer;
  readonly #resourceSchemaUrl: Buffer | undefined;
  /** ScopeSpans field 1 (InstrumentationScope) and, when set, field 3 (schema_url). */
  readonly #scope: Buffer;
  readonly #scopeSchemaUrl: Buffer | undefined;
  #sizes = new Int32Array(512);

  constructor(resource: { readonly attributes: Attributes; readonly schemaUrl?: string | undefined }, scope: InstrumentationScopeLike) {
    const resourceAttributes = encodeAttributes(resource.attributes, 1);
    // Resource { attributes, dropped_attributes_count: 0 } (the SDK's serializer always writes the count).
    this.#resource = delimited(1, Buffer.concat([resourceAttributes, Buffer.from([2 << 3, 0])]));
    this.#resourceSchemaUrl = resource.schemaUrl ? encodeStringField(3, resource.schemaUrl) : undefined;
    const scopeParts = [encodeStringField(1, scope.name)];
    if (scope.version) scopeParts.push(encodeStringField(2, scope.version));
    this.#scope = delimited(1, Buffer.concat(scopeParts));
    this.#scopeSchemaUrl = scope.schemaUrl ? encodeStringField(3, scope.schemaUrl) : undefined;
  }

  /**
   * One request with every span (all share the resource and the scope). `reuse`: a buffer from an
   * earlier call whose request is no longer needed, written over when large enough (see
   * ProtoWriter); the result is a view of it, or of a new buffer that starts its own ArrayBuffer.
   */
  encode(spans: readonly LeanStatementSpan[], reuse?: Buffer): Buffer {
    if (this.#sizes.length < spans.length) this.#sizes = new Int32Array(spans.length);
    const sizes = this.#sizes;
    let scopeSpans = this.#scope.length + (this.#scopeSchemaUrl?.length ?? 0);
    for (let i = 0; i < spans.length; i++) {
      const size = spanSize(spans[i]!);
      sizes[i] = size;
      scopeSpans += delimitedSize(2, size);
    }
    const resourceSpans = this.#resource.length + delimitedSize(2, scopeSpans) + (this.#resourceSchemaUrl?.length ?? 0);
    const size = delimitedSize(1, resourceSpans);
    // A buffer of its own (never a slice of Node's shared pool), so the caller may hand it back as `reuse`.
    const writer = new ProtoWriter(size, reuse && reuse.length >= size ? reuse : Buffer.allocUnsafeSlow(size));
    writer.tag(1, WIRE_LENGTH_DELIMITED);
    writer.varint(resourceSpans);
    writer.raw(this.#resource);
    writer.tag(2, WIRE_LENGTH_DELIMITED);
    writer.varint(scopeSpans);
    writer.raw(this.#scope);
    for (let i = 0; i < spans.length; i++) {
      writer.tag(2, WIRE_LENGTH_DELIMITED);
      writer.varint(sizes[i]!);
      writeSpan(writer, spans[i]!);
    }
    if (this.#scopeSchemaUrl) writer.raw(this.#scopeSchemaUrl);
    if (this.#resourceSchemaUrl) writer.raw(this.#resourceSchemaUrl);
    return writer.finish();
  }
}

function spanSize(span: LeanStatementSpan): number {
  let size = FIXED_SPAN_SIZE + span.shape.name.length + span.shape.attributes.length + span.session.attributes.length + span.decision.length;
  const added = span.added;
  if (added) for (let i = 1; i < added.length; i += 2) size += (added[i] as Buffer).length;
  const events = span.events;
  if (events) for (const event of events) size += delimitedSize(11, eventSize(event.name.length, event.attributes.length));
  return size;
}

/** Event { time_unix_nano, name, attributes, dropped_attributes_count: 0 }. */
function eventSize(name: number, attributes: number): number {
  return 1 + 8 + name + attributes + 2;
}

function writeSpan(writer: ProtoWriter, span: LeanStatementSpan): void {
  const { session, shape } = span;
  // trace_id, then span_id's tag and length (one fragment per session), the id, parent_span_id.
  writer.raw(session.head);
  const buffer = writer.buffer;
  buffer.writeUInt32BE(span.idHigh, writer.pos);
  buffer.writeUInt32BE(span.idLow, writer.pos + 4);
  writer.pos += 8;
  writer.raw(session.parent);
  writer.raw(shape.name);
  writer.tag(6, WIRE_VARINT);
  writer.varint(SPAN_KIND_CLIENT);
  writer.tag(7, WIRE_FIXED64);
  writer.epochMillis(span.startTime);
  writer.tag(8, WIRE_FIXED64);
  writer.epochMillis(span.endTime);
  // Attributes in the order the SDK span would hold them: as started, then as added.
  writer.raw(shape.attributes);
  writer.raw(session.attributes);
  writer.raw(span.decision);
  const added = span.added;
  if (added) for (let i = 1; i < added.length; i += 2) writer.raw(added[i] as Buffer);
  writer.tag(10, WIRE_VARINT);
  writer.varint(0);
  const events = span.events;
  if (events) {
    for (const event of events) {
      writer.tag(11, WIRE_LENGTH_DELIMITED);
      writer.varint(eventSize(event.name.length, event.attributes.length));
      writer.tag(1, WIRE_FIXED64);
      writer.epochMillis(event.time);
      writer.raw(event.name);
      writer.raw(event.attributes);
      writer.tag(4, WIRE_VARINT);
      writer.varint(0);
    }
  }
  writer.tag(12, WIRE_VARINT);
  writer.varint(0);
  writer.tag(14, WIRE_VARINT);
  writer.varint(0);
  writer.tag(15, WIRE_LENGTH_DELIMITED);
  writer.varint(2);
  writer.tag(3, WIRE_VARINT);
  writer.varint(span.error ? STATUS_ERROR : STATUS_UNSET);
  writer.tag(16, WIRE_FIXED32);
  writer.fixed32((session.traceFlags & 0xff) | FLAGS_HAS_IS_REMOTE);
}

function delimited(field: number, content: Buffer): Buffer {
  const writer = new ProtoWriter(delimitedSize(field, content.length));
  writer.tag(field, WIRE_LENGTH_DELIMITED);
  writer.varint(content.length);
  writer.raw(content);
  return writer.finish();
}
