import type { Attributes } from '@opentelemetry/api';
import type { OtlpSettings } from '../telemetry-config.js';
import type { SpanRecord } from './span-records.js';

/** What the export worker is started with. */
export interface SpanExportWorkerData {
  readonly settings: OtlpSettings;
  /** The tracer provider's resource, as attributes (every span shares it). */
  readonly resourceAttributes: Attributes;
}

/** Statement path → worker. Every request is answered once, with its id. */
export type SpanExportRequest =
  | { readonly type: 'export'; readonly id: number; readonly spans: readonly SpanRecord[] }
  | { readonly type: 'flush'; readonly id: number }
  | { readonly type: 'shutdown'; readonly id: number };

/** Worker → statement path. */
export interface SpanExportReply {
  /** The request answered; 0: an export answered early failed later (reported for the log only). */
  readonly id: number;
  readonly ok: boolean;
  readonly error?: string;
}
