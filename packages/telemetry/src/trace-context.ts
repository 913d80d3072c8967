import type { SpanContext } from '@opentelemetry/api';
import { isSpanContextValid } from '@opentelemetry/api';

/*
 * W3C trace context for the upstream database, so a database's own logs and statistics
 * (pg_stat_statements with sqlcommenter, MongoDB's profiler `comment`) can be joined to the
 * gateway's statement span. Off by default: adding a comment changes the bytes sent upstream
 * (no zero-copy forwarding), and changes the statement text some servers key their plan and
 * statistics caches on.
 */

const VERSION = '00';

/** `00-<trace id>-<span id>-<flags>`, or undefined for an invalid (unsampled no-op) context. */
export function traceparent(spanContext: SpanContext): string | undefined {
  if (!isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `${VERSION}-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** sqlcommenter value encoding: URL-encoded, then `'` escaped as `\'`, single-quoted. */
function commenterValue(value: string): string {
  return `'${encodeURIComponent(value).replace(/'/g, "\\'")}'`;
}

/**
 * The sqlcommenter comment carrying the span's trace context, e.g.
 * `/*traceparent='00-4bf9…-00f0…-01'*\/`, to append to a SQL statement (after the last statement,
 * before any trailing semicolon, as sqlcommenter specifies). Keys are sorted, as the spec asks.
 * Empty string when the context is invalid, so a caller can always concatenate it.
 */
export function sqlCommenterComment(spanContext: SpanContext): string {
  const parent = traceparent(spanContext);
  if (parent === undefined) return '';
  const pairs: [string, string][] = [['traceparent', parent]];
  const state = spanContext.traceState?.serialize();
  if (state) pairs.push(['tracestate', state]);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `/*${pairs.map(([key, value]) => `${encodeURIComponent(key)}=${commenterValue(value)}`).join(',')}*/`;
}

/**
 * `sql` with the trace context comment added the sqlcommenter way: at the end, before a final
 * `;`. Statements that already carry a comment at their end are left alone (sqlcommenter's rule:
 * never stack comments the application put there).
 */
export function withSqlComment(sql: string, spanContext: SpanContext): string {
  const comment = sqlCommenterComment(spanContext);
  if (comment === '') return sql;
  const trimmed = sql.trimEnd();
  const body = trimmed.endsWith(';') ? trimmed.slice(0, -1).trimEnd() : trimmed;
  if (body.endsWith('*/')) return sql;
  return `${body} ${comment}${trimmed.endsWith(';') ? ';' : ''}`;
}
