import type { Decision } from '@gatehouse/core';
import { errorResponse } from '../protocol/messages/error-notice.js';

/**
 * The ErrorResponses the gateway itself sends, with the SQLSTATEs PostgreSQL uses for the same
 * situations, so clients and drivers react as they would to the server.
 */

/** A statement refused (deny) or waiting for approval (review): 42501 insufficient_privilege. */
export function refusalError(decision: Decision): Buffer {
  const rules = decision.rules.length > 0 ? decision.rules.join(', ') : 'default deny';
  const review = decision.effect === 'review';
  return errorResponse({
    severity: 'ERROR',
    code: '42501',
    message: review ? `gatehouse: approval required (${rules}): ${decision.reason}` : `gatehouse: statement refused (${rules}): ${decision.reason}`,
    hint: review
      ? 'An approver must approve this statement before it can run.'
      : 'Ask a policy owner if you need this; `gatehouse policy explain` shows why.',
  });
}

/** The review flow said no, or no approver answered in time: 42501 naming the rule. */
export function approvalRefusedError(decision: Decision, reason: 'approval-denied' | 'approval-expired', message: string): Buffer {
  const rules = decision.rules.length > 0 ? decision.rules.join(', ') : 'review';
  return errorResponse({
    severity: 'ERROR',
    code: '42501',
    message: `gatehouse: ${reason === 'approval-denied' ? 'approval denied' : 'approval expired'} (${rules}): ${message}`,
  });
}

/** A review in ticket mode: 42501 with the approval request id and how to get it approved. */
export function approvalTicketError(decision: Decision, message: string): Buffer {
  const rules = decision.rules.length > 0 ? decision.rules.join(', ') : 'review';
  return errorResponse({
    severity: 'ERROR',
    code: '42501',
    message: `gatehouse: ${message}`,
    hint: `Rule ${rules} needs an approval; once approved, run the same statement again on this connection.`,
  });
}

/** The client cancelled a statement the gateway was holding for approval: 57014 query_canceled. */
export function queryCanceledError(): Buffer {
  return errorResponse({ severity: 'ERROR', code: '57014', message: 'canceling statement due to user request' });
}

/** Authentication failed: 28P01 invalid_password (FATAL: the connection ends). */
export function authenticationFailedError(message: string): Buffer {
  return errorResponse({ severity: 'FATAL', code: '28P01', message: `gatehouse: ${message}` });
}

/** TLS is required on this listener: 28000 invalid_authorization_specification. */
export function tlsRequiredError(): Buffer {
  return errorResponse({
    severity: 'FATAL',
    code: '28000',
    message: 'gatehouse: this listener requires TLS; connect with sslmode=require (or stricter)',
  });
}

/** A malformed or out-of-order message: 08P01 protocol_violation. */
export function protocolViolationError(message: string): Buffer {
  return errorResponse({ severity: 'FATAL', code: '08P01', message: `gatehouse: protocol violation: ${message}` });
}

/** The database the client asked for is not served here: 3D000 invalid_catalog_name. */
export function unknownDatabaseError(database: string, served: string): Buffer {
  return errorResponse({
    severity: 'FATAL',
    code: '3D000',
    message: `gatehouse: database "${database}" is not served by this connection`,
    hint: `Connect to database "${served}".`,
  });
}

/** A startup option the gateway does not let through (e.g. `options`, `replication`): 0A000. */
export function unsupportedStartupOptionError(name: string): Buffer {
  return errorResponse({
    severity: 'FATAL',
    code: '0A000',
    message: `gatehouse: startup parameter "${name}" is not supported through the gateway`,
    hint: 'Set session parameters with SET after connecting; policy decides them.',
  });
}

/** The upstream could not be reached or refused the gateway: 08006 connection_failure. */
export function upstreamUnavailableError(): Buffer {
  return errorResponse({
    severity: 'FATAL',
    code: '08006',
    message: 'gatehouse: the database behind this connection is not available; try again later',
  });
}

/** The gateway is shutting down: 57P01 admin_shutdown, as the server says it. */
export function shuttingDownError(): Buffer {
  return errorResponse({ severity: 'FATAL', code: '57P01', message: 'gatehouse: terminating connection because the gateway is shutting down' });
}

/** Masking could not make a value safe under a strict policy: the statement fails. */
export function maskingFailedError(): Buffer {
  return errorResponse({
    severity: 'ERROR',
    code: '42501',
    message: 'gatehouse: a result value could not be masked safely, so the result was withheld',
  });
}

/** Bind of a statement name the gateway never saw parsed: 26000 invalid_sql_statement_name. */
export function unpreparedStatementError(): Buffer {
  return errorResponse({
    severity: 'ERROR',
    code: '26000',
    message: 'gatehouse: prepared statement was not prepared through the gateway, so it cannot be executed',
    hint: 'Prepare it with a Parse message (any driver does) so policy can decide it.',
  });
}

/** Execute of a portal the gateway never bound (e.g. a SQL cursor): 34000 invalid_cursor_name. */
export function unboundPortalError(): Buffer {
  return errorResponse({
    severity: 'ERROR',
    code: '34000',
    message: 'gatehouse: portal was not bound through the gateway, so it cannot be executed',
    hint: 'Read SQL cursors with FETCH, which policy decides.',
  });
}

/** The gate (durable audit write, approval service) failed: the statement is refused, not run. */
export function gateFailedError(): Buffer {
  return errorResponse({
    severity: 'ERROR',
    code: '58000',
    message: 'gatehouse: the statement could not be recorded or approved, so it was not run; try again',
  });
}
