import { diag } from '@opentelemetry/api';
import { ExportResultCode, globalErrorHandler } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import type { IOtlpExportDelegate } from '@opentelemetry/otlp-exporter-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ISerializer } from '@opentelemetry/otlp-transformer';
import type { OtlpSettings } from '../telemetry-config.js';
import type { LeanSpanSink, LeanStatementSpan } from './lean-statement-span.js';
import type { StatementSpanBatch } from './statement-span-batch.js';
import type { StatementSpanEncoder } from './statement-span-encoder.js';

/** The batch span processor's settings (OTEL_BSP_*), applied to statement spans too. */
export interface StatementBatchOptions {
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMillis: number;
}

/** The OTLP/HTTP exporter's self-observability component type (the SDK's trace exporter uses the same). */
const COMPONENT_TYPE = 'otlp_http_span_exporter';
/** Request buffers kept for reuse once their export is answered, and the largest kept. */
const MAX_SPARE_BUFFERS = 2;
const MAX_SPARE_BYTES = 8 * 1024 * 1024;

/** A batch as the export delegate sees it: already encoded (the encoding needs a buffer only this class can recycle). */
interface EncodedBatch {
  readonly body: Uint8Array;
  readonly spans: number;
}

/**
 * Batches lean statement spans and sends them as OTLP/HTTP protobuf with the SDK's own HTTP
 * transport (the same URL, headers, timeout, retries, compression and OTEL_EXPORTER_OTLP_*
 * settings as the SDK's proto trace exporter); only the encoding is ours (statement-span-encoder.ts).
 * Batching follows the SDK's BatchSpanProcessor: a batch leaves when it is full or after the
 * schedule delay, one export at a time, and spans beyond the queue bound are dropped (and counted
 * in a warning). A span is encoded into its batch as it ends (no record is kept until the batch
 * leaves): the queue is the batches' spans.
 */
export class StatementSpanExporter implements LeanSpanSink {
  readonly #options: StatementBatchOptions;
  readonly #encoder: StatementSpanEncoder;
  readonly #delegate: IOtlpExportDelegate<EncodedBatch>;
  readonly #spareBuffers: Buffer[] = [];
  /** The batch spans are written into now, and full batches waiting for their turn (oldest first). */
  #filling: StatementSpanBatch<LeanStatementSpan> | undefined;
  readonly #full: StatementSpanBatch<LeanStatementSpan>[] = [];
  /** Spans in #filling and #full: what maxQueueSize bounds. */
  #queued = 0;
  #exporting = false;
  #timer: NodeJS.Timeout | undefined;
  #dropped = 0;
  #stopped: Promise<void> | undefined;

  constructor(settings: OtlpSettings, encoder: StatementSpanEncoder, options: StatementBatchOptions) {
    this.#options = { ...options, maxExportBatchSize: Math.min(options.maxExportBatchSize, options.maxQueueSize) };
    this.#encoder = encoder;
    const serializer: ISerializer<EncodedBatch, unknown> = {
      serializeRequest: (batch) => batch.body,
      deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
    };
    this.#delegate = createOtlpHttpExportDelegate(
      convertLegacyHttpOptions({ url: settings.url, headers: { ...settings.headers } }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' }),
      serializer,
      COMPONENT_TYPE,
      { name: 'span', countItems: (batch) => batch.spans },
      undefined,
    );
  }

  add(span: LeanStatementSpan): void {
    if (this.#stopped) return;
    if (this.#queued >= this.#options.maxQueueSize) {
      if (this.#dropped === 0) diag.debug('maxQueueSize reached, dropping statement spans');
      this.#dropped++;
      return;
    }
    if (this.#dropped > 0) {
      diag.warn(`Dropped ${this.#dropped} spans because maxQueueSize reached`);
      this.#dropped = 0;
    }
    const batch = (this.#filling ??= this.#encoder.batch(this.#spareBuffers.pop()));
    try {
      batch.add(span);
    } catch (error) {
      // Never thrown into the statement path: the span is left out and the error reported.
      globalErrorHandler(error instanceof Error ? error : new Error('a statement span could not be encoded'));
      return;
    }
    this.#queued++;
    if (batch.spans >= this.#options.maxExportBatchSize) {
      this.#full.push(batch);
      this.#filling = undefined;
    }
    this.#maybeExport();
  }

  /** Sends everything queued; resolves when every export answered. */
  async forceFlush(): Promise<void> {
    await this.#flushAll();
    await this.#delegate.forceFlush();
  }

  shutdown(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#clearTimer();
      await this.#flushAll();
      await this.#delegate.shutdown();
    })();
    return this.#stopped;
  }

  #flushAll(): Promise<void> {
    const batches: Promise<void>[] = [];
    while (this.#queued > 0) batches.push(this.#exportOneBatch());
    return Promise.all(batches).then(() => undefined);
  }

  #maybeExport(): void {
    if (this.#exporting) return;
    if (this.#full.length > 0) {
      this.#startExport();
      return;
    }
    if (this.#timer !== undefined || this.#queued === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#exporting && this.#queued > 0) this.#startExport();
    }, this.#options.scheduledDelayMillis);
    this.#timer.unref();
  }

  /** One batch in flight at a time; the next leaves when it is answered (or failed). */
  #startExport(): void {
    this.#exporting = true;
    this.#exportOneBatch()
      .catch((error: Error) => globalErrorHandler(error))
      .finally(() => {
        this.#exporting = false;
        if (this.#queued > 0) this.#maybeExport();
      });
  }

  /** The oldest full batch, or the one being filled. */
  #exportOneBatch(): Promise<void> {
    this.#clearTimer();
    let batch = this.#full.shift();
    if (!batch) {
      batch = this.#filling!;
      this.#filling = undefined;
    }
    const spans = batch.spans;
    this.#queued -= spans;
    return new Promise((resolve, reject) => {
      let body: Buffer;
      try {
        body = batch.finish();
      } catch (error) {
        reject(error instanceof Error ? error : new Error('statement spans could not be encoded'));
        return;
      }
      this.#delegate.export({ body, spans }, (result: ExportResult) => {
        // Answered (sent, failed or timed out, retries included): the transport is done with the body.
        this.#recycle(body);
        if (result.code === ExportResultCode.SUCCESS) resolve();
        else reject(result.error ?? new Error('statement span export failed'));
      });
    });
  }

  /** A request is a view of a buffer that starts its own ArrayBuffer (see StatementSpanEncoder.batch): all of it is written over next time. */
  #recycle(body: Buffer): void {
    if (body.buffer.byteLength > MAX_SPARE_BYTES || this.#spareBuffers.length >= MAX_SPARE_BUFFERS) return;
    this.#spareBuffers.push(Buffer.from(body.buffer, 0, body.buffer.byteLength));
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
