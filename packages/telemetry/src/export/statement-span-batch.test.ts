import { describe, expect, it } from 'vitest';
import { decodeTraceRequest } from '../testing/otlp-proto.js';
import { encodeAttributes, encodeStringField } from './otlp-attributes.js';
import { ProtoWriter, WIRE_LENGTH_DELIMITED, delimitedSize, utf8Size } from './proto-writer.js';
import { StatementSpanBatch } from './statement-span-batch.js';
import type { RequestEnvelope, SpanWriter } from './statement-span-batch.js';

/** A span that is only a name (Span field 5). */
const NAMED: SpanWriter<string> = {
  size: (name) => encodeStringField(5, name).length,
  write: (writer, name) => {
    writer.tag(5, WIRE_LENGTH_DELIMITED);
    writer.string(name, utf8Size(name));
  },
};

const envelope = (schemaUrls: boolean): RequestEnvelope => {
  const resource = encodeAttributes({ 'service.name': 'gatehouse-test' }, 1);
  const scope = encodeStringField(1, '@gatehouse/telemetry');
  const field = (number: number, content: Buffer): Buffer => {
    const writer = new ProtoWriter(delimitedSize(number, content.length));
    writer.tag(number, WIRE_LENGTH_DELIMITED);
    writer.varint(content.length);
    writer.raw(content);
    return writer.finish();
  };
  return {
    resource: field(1, resource),
    resourceSchemaUrl: schemaUrls ? encodeStringField(3, 'https://opentelemetry.io/schemas/1.30.0') : undefined,
    scope: field(1, scope),
    scopeSchemaUrl: schemaUrls ? encodeStringField(3, 'https://example.test/scope-schema') : undefined,
  };
};

type Decoded = {
  resourceSpans: { resource: { attributes: unknown[] }; schemaUrl?: string; scopeSpans: { scope: { name: string }; schemaUrl?: string; spans?: { name: string }[] }[] }[];
};

describe('StatementSpanBatch', () => {
  it('writes a request span by span, growing its buffer, with the headers and schema URLs around the spans', () => {
    const batch = new StatementSpanBatch(envelope(true), NAMED);
    // Some 300 KB of spans: past the first buffer (64 KB) several times.
    const names = Array.from({ length: 3_000 }, (_, i) => `SELECT ${i} ${'x'.repeat(i % 200)} ✓`);
    for (const name of names) batch.add(name);
    expect(batch.spans).toBe(names.length);
    const decoded = decodeTraceRequest(batch.finish()) as Decoded;
    expect(decoded.resourceSpans).toHaveLength(1);
    const [resourceSpans] = decoded.resourceSpans;
    expect(resourceSpans!.schemaUrl).toBe('https://opentelemetry.io/schemas/1.30.0');
    expect(resourceSpans!.resource.attributes).toEqual([{ key: 'service.name', value: { stringValue: 'gatehouse-test' } }]);
    expect(resourceSpans!.scopeSpans[0]!.scope.name).toBe('@gatehouse/telemetry');
    expect(resourceSpans!.scopeSpans[0]!.schemaUrl).toBe('https://example.test/scope-schema');
    expect(resourceSpans!.scopeSpans[0]!.spans!.map((span) => span.name)).toEqual(names);
  });

  it('writes over a buffer handed back from an earlier request', () => {
    const first = new StatementSpanBatch(envelope(false), NAMED);
    first.add('first');
    const body = first.finish();
    const spare = Buffer.from(body.buffer, 0, body.buffer.byteLength);
    const second = new StatementSpanBatch(envelope(false), NAMED, spare);
    second.add('second');
    const reused = second.finish();
    expect(reused.buffer).toBe(spare.buffer);
    expect((decodeTraceRequest(reused) as Decoded).resourceSpans[0]!.scopeSpans[0]!.spans!.map((span) => span.name)).toEqual(['second']);
  });

  it('leaves out a span written otherwise than measured, and stays well-formed', () => {
    const wrong: SpanWriter<string> = { size: (name) => NAMED.size(name) + (name === 'bad' ? 1 : 0), write: NAMED.write };
    const batch = new StatementSpanBatch(envelope(false), wrong);
    batch.add('good');
    expect(() => batch.add('bad')).toThrow(RangeError);
    batch.add('also good');
    expect(batch.spans).toBe(2);
    expect((decodeTraceRequest(batch.finish()) as Decoded).resourceSpans[0]!.scopeSpans[0]!.spans!.map((span) => span.name)).toEqual(['good', 'also good']);
  });
});
