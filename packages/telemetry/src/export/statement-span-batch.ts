import { ProtoWriter, WIRE_LENGTH_DELIMITED, delimitedSize, varintSize } from './proto-writer.js';

/** What every request of a batch shares, encoded once by the encoder (statement-span-encoder.ts). */
export interface RequestEnvelope {
  /** ResourceSpans field 1 (Resource). */
  readonly resource: Buffer;
  /** ResourceSpans field 3 (schema_url), when set. */
  readonly resourceSchemaUrl: Buffer | undefined;
  /** ScopeSpans field 1 (InstrumentationScope). */
  readonly scope: Buffer;
  /** ScopeSpans field 3 (schema_url), when set. */
  readonly scopeSchemaUrl: Buffer | undefined;
}

/** Writes one span (its size measured by `size` beforehand). */
export interface SpanWriter<T> {
  size(span: T): number;
  write(writer: ProtoWriter, span: T): void;
}

/** A batch's first buffer when no spare one is handed in; it doubles as spans arrive. */
const INITIAL_BYTES = 64 * 1024;
/** The two length-delimited headers in front of the spans (ResourceSpans, ScopeSpans): tag + 32-bit length each. */
const MAX_HEADER_TAGS = 2 * (1 + 5);

/**
 * An ExportTraceServiceRequest written span by span, as each span ends (while its record is still
 * in the CPU's cache, and so it need not be kept until the batch leaves). The spans are written
 * after room for the two headers, whose lengths are known only at the end; `finish` writes the
 * headers right in front of the spans and returns the request as a view: nothing is copied.
 */
export class StatementSpanBatch<T> {
  readonly #envelope: RequestEnvelope;
  readonly #spanWriter: SpanWriter<T>;
  /** Where the spans start: room for the headers, the resource and the scope before them. */
  readonly #spansStart: number;
  #writer: ProtoWriter;
  #spans = 0;

  /** `reuse`: a buffer of an earlier request no longer needed (a fresh one costs page faults on first touch). */
  constructor(envelope: RequestEnvelope, spanWriter: SpanWriter<T>, reuse?: Buffer) {
    this.#envelope = envelope;
    this.#spanWriter = spanWriter;
    this.#spansStart = MAX_HEADER_TAGS + envelope.resource.length + envelope.scope.length;
    const trailer = (envelope.scopeSchemaUrl?.length ?? 0) + (envelope.resourceSchemaUrl?.length ?? 0);
    const minimum = this.#spansStart + trailer;
    // The writer's own measure (size 0, checked by its finish()) is not used: the batch measures span by span.
    this.#writer = new ProtoWriter(0, reuse && reuse.length >= minimum ? reuse : Buffer.allocUnsafeSlow(Math.max(INITIAL_BYTES, minimum)));
    this.#writer.pos = this.#spansStart;
  }

  /** Spans written so far. */
  get spans(): number {
    return this.#spans;
  }

  /**
   * Writes a span. A span whose bytes do not come out as measured is left out (the batch stays
   * well-formed) and the error thrown.
   */
  add(span: T): void {
    const size = this.#spanWriter.size(span);
    const start = this.#writer.pos;
    const end = start + delimitedSize(2, size);
    this.#ensure(end);
    const writer = this.#writer;
    writer.tag(2, WIRE_LENGTH_DELIMITED);
    writer.varint(size);
    try {
      this.#spanWriter.write(writer, span);
    } finally {
      if (writer.pos !== end) writer.pos = start;
    }
    if (writer.pos !== end) throw new RangeError(`statement span measured ${end - start} bytes but was written differently`);
    this.#spans++;
  }

  /** The request: the headers written in front of the spans, the schema URLs after them. The batch is done. */
  finish(): Buffer {
    const envelope = this.#envelope;
    const writer = this.#writer;
    this.#ensure(writer.pos + (envelope.scopeSchemaUrl?.length ?? 0) + (envelope.resourceSchemaUrl?.length ?? 0));
    const spansBytes = writer.pos - this.#spansStart;
    if (envelope.scopeSchemaUrl) writer.raw(envelope.scopeSchemaUrl);
    const scopeSpans = envelope.scope.length + spansBytes + (envelope.scopeSchemaUrl?.length ?? 0);
    if (envelope.resourceSchemaUrl) writer.raw(envelope.resourceSchemaUrl);
    const resourceSpans = envelope.resource.length + delimitedSize(2, scopeSpans) + (envelope.resourceSchemaUrl?.length ?? 0);
    const end = writer.pos;
    // ExportTraceServiceRequest { 1: ResourceSpans { 1: Resource, 2: ScopeSpans { 1: scope, 2: Span… } } }
    const headerSize = 1 + varintSize(resourceSpans) + envelope.resource.length + 1 + varintSize(scopeSpans) + envelope.scope.length;
    const start = this.#spansStart - headerSize;
    writer.pos = start;
    writer.tag(1, WIRE_LENGTH_DELIMITED);
    writer.varint(resourceSpans);
    writer.raw(envelope.resource);
    writer.tag(2, WIRE_LENGTH_DELIMITED);
    writer.varint(scopeSpans);
    writer.raw(envelope.scope);
    return writer.buffer.subarray(start, end);
  }

  /** Room up to `end`: a buffer twice as large (or more) with what was written copied over. */
  #ensure(end: number): void {
    const old = this.#writer;
    if (end <= old.buffer.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(end, old.buffer.length * 2));
    old.buffer.copy(grown, 0, 0, old.pos);
    this.#writer = new ProtoWriter(0, grown);
    this.#writer.pos = old.pos;
  }
}
