import { GatehouseError } from '@gatehouse/core';

/** Base of every audit-library error; `code` starts with `audit.`. */
export class AuditError extends GatehouseError {}

/** The audit configuration is unusable (bad key, bad retention, unknown store kind). */
export class AuditConfigError extends AuditError {
  constructor(message: string) {
    super('audit.config', message);
  }
}

/**
 * The store could not take the record. In `before-forward` mode the gateway must then refuse the
 * statement: nothing may reach a database unrecorded.
 */
export class AuditUnavailableError extends AuditError {
  constructor(message: string, cause?: unknown) {
    super('audit.unavailable', message, { cause });
  }
}

/** append/read after close(). */
export class AuditClosedError extends AuditError {
  constructor() {
    super('audit.closed', 'the audit trail is closed; open a new one (this is a shutdown-order bug in the caller)');
  }
}

/** A value that must be structured (an id, an error code) looked like free text or a literal. */
export class AuditFieldError extends AuditError {
  constructor(field: string, message: string) {
    super('audit.field', `${field}: ${message}`);
  }
}

/**
 * The embedded store's segment log is damaged somewhere other than a torn last write (which
 * recovery truncates), or disagrees with its search index: the store refuses to open rather than
 * build on a broken chain. The message names the file and the first bad record.
 */
export class AuditLogCorruptError extends AuditError {
  constructor(message: string) {
    super('audit.log-corrupt', message);
  }
}
