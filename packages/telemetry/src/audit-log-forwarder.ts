import type { AnyValue, LogAttributes, Logger } from '@opentelemetry/api-logs';
import { SeverityNumber } from '@opentelemetry/api-logs';

/*
 * Audit events as OTLP log records. The audit trail hands committed, literal-guarded events to its
 * forwarders (the same interface its JSONL sink implements); this one turns each into a log record
 * named `gatehouse.audit.<type>`, its fields flattened into `gatehouse.audit.*` attributes. Nothing
 * is added that the audit record does not already hold, so an exported log line is exactly as safe
 * as the audit trail (redacted text, fingerprints, digests: never a literal).
 */

/** What the forwarder reads of an audit event (structurally: @gatehouse/audit's SealedAuditEvent). */
export interface AuditRecordLike {
  readonly type: string;
  readonly at: string;
}

/** @gatehouse/audit's AuditForwarder, structurally: give it to the trail's `forwarders`. */
export interface AuditLogForwarder {
  write(events: readonly AuditRecordLike[]): Promise<void>;
  close(): Promise<void>;
}

const PREFIX = 'gatehouse.audit.';

/** Nested objects become dotted keys; arrays of scalars stay arrays; arrays of objects become JSON. */
function flatten(value: unknown, key: string, into: LogAttributes): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    into[key] = value;
    return;
  }
  if (Array.isArray(value)) {
    into[key] = value.every((item) => typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean')
      ? (value as AnyValue[])
      : JSON.stringify(value);
    return;
  }
  if (typeof value === 'object') {
    for (const [name, inner] of Object.entries(value as Record<string, unknown>)) flatten(inner, `${key}.${name}`, into);
  }
}

function severityOf(event: Record<string, unknown>): SeverityNumber {
  if (event['type'] === 'auth.refused') return SeverityNumber.WARN;
  const decision = event['decision'] as { effect?: string } | undefined;
  if (decision?.effect === 'deny') return SeverityNumber.WARN;
  if (event['outcome'] === 'error' || event['outcome'] === 'forbidden' || event['outcome'] === 'rejected') return SeverityNumber.WARN;
  return SeverityNumber.INFO;
}

export function auditLogForwarder(logger: Logger, flush: () => Promise<void>): AuditLogForwarder {
  return {
    write(events) {
      for (const event of events) {
        const record = event as unknown as Record<string, unknown>;
        const attributes: LogAttributes = {};
        for (const [name, value] of Object.entries(record)) flatten(value, `${PREFIX}${name}`, attributes);
        const at = Date.parse(event.at);
        const severity = severityOf(record);
        logger.emit({
          eventName: `${PREFIX}${event.type}`,
          ...(Number.isNaN(at) ? {} : { timestamp: at }),
          severityNumber: severity,
          severityText: severity === SeverityNumber.WARN ? 'WARN' : 'INFO',
          body: event.type,
          attributes,
        });
      }
      return Promise.resolve();
    },
    // The trail closes its forwarders on shutdown: send what is buffered (telemetry shuts down after).
    close: () => flush(),
  };
}
