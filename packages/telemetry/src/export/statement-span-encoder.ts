import type { Attributes } from '@opentelemetry/api';
import { encodeAttributes, encodeStringField } from './otlp-attributes.js';
import type { LeanStatementSpan } from './lean-statement-span.js';
import { ProtoWriter, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT, delimitedSize } from './proto-writer.js';
import { StatementSpanBatch } from './statement-span-batch.js';
import type { RequestEnvelope, SpanWriter } from './statement-span-batch.js';

/*
 * An OTLP ExportTraceServiceRequest (opentelemetry-proto trace/v1, collector/trace/v1) of statement
 * spans, written the way @opentelemetry/otlp-transformer's ProtobufTraceSerializer writes SDK
 * spans, so a collector receives the same bytes:
 *
 *   ExportTraceServiceRequest { 1: ResourceSpans { 1: Resource, 2: ScopeSpans { 1: scope, 2: Span… } } }
 *
 * The resource and the scope are encoded once; per span, the cached fragments (name, shape,
 * session and decision attributes) are copied and only ids, times, added attributes, events and
 * status are written. The exporter writes each span into its batch as the span ends.
 */

/** Bytes of a span's parts between the fragments: span id, start and end times, the dropped attributes count. */
const FIXED_SPAN_SIZE =
  8 + // span_id (its tag and length end the session's head)
  8 + // start_time_unix_nano (its tag ends the lead fragment)
  1 + 8 + // end_time_unix_nano
  2; // dropped_attributes_count

export interface InstrumentationScopeLike {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
}

/** Statement spans as the batch writes them: measured, then written. */
const LEAN_SPAN_WRITER: SpanWriter<LeanStatementSpan> = { size: spanSize, write: writeSpan };

export class StatementSpanEncoder {
  readonly #envelope: RequestEnvelope;

  constructor(resource: { readonly attributes: Attributes; readonly schemaUrl?: string | undefined }, scope: InstrumentationScopeLike) {
    const resourceAttributes = encodeAttributes(resource.attributes, 1);
    const scopeParts = [encodeStringField(1, scope.name)];
    if (scope.version) scopeParts.push(encodeStringField(2, scope.version));
    this.#envelope = {
      // Resource { attributes, dropped_attributes_count: 0 } (the SDK's serializer always writes the count).
      resource: delimited(1, Buffer.concat([resourceAttributes, Buffer.from([2 << 3, 0])])),
      resourceSchemaUrl: resource.schemaUrl ? encodeStringField(3, resource.schemaUrl) : undefined,
      scope: delimited(1, Buffer.concat(scopeParts)),
      scopeSchemaUrl: scope.schemaUrl ? encodeStringField(3, scope.schemaUrl) : undefined,
    };
  }

  /**
   * A request written span by span (see StatementSpanBatch). `reuse`: a buffer from an earlier
   * request no longer needed, written over when large enough; requests are views of buffers that
   * start their own ArrayBuffer, so all of `body.buffer` may be handed back as `reuse`.
   */
  batch(reuse?: Buffer): StatementSpanBatch<LeanStatementSpan> {
    return new StatementSpanBatch(this.#envelope, LEAN_SPAN_WRITER, reuse);
  }

  /** One request with every span (all share the resource and the scope). */
  encode(spans: readonly LeanStatementSpan[], reuse?: Buffer): Buffer {
    const batch = this.batch(reuse);
    for (const span of spans) batch.add(span);
    return batch.finish();
  }
}

function spanSize(span: LeanStatementSpan): number {
  const { session, fragments } = span;
  let size = FIXED_SPAN_SIZE + session.head.length + fragments.lead.length + fragments.attributes.length + session.tails[0].length;
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
  const { session, fragments } = span;
  // trace_id and span_id's tag and length, the id; parent_span_id, name, kind, start time's tag.
  writer.raw(session.head);
  writer.uint32BigEndian(span.idHigh);
  writer.uint32BigEndian(span.idLow);
  writer.raw(fragments.lead);
  writer.epochMillis(span.startTime);
  writer.tag(8, WIRE_FIXED64);
  writer.epochMillis(span.endTime);
  // Attributes in the order the SDK span would hold them: as started (shape, session, decision), then as added.
  writer.raw(fragments.attributes);
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
  // Dropped events and links counts, status, flags.
  writer.raw(session.tails[span.error ? 1 : 0]);
}

function delimited(field: number, content: Buffer): Buffer {
  const writer = new ProtoWriter(delimitedSize(field, content.length));
  writer.tag(field, WIRE_LENGTH_DELIMITED);
  writer.varint(content.length);
  writer.raw(content);
  return writer.finish();
}
