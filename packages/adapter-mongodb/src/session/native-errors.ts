import type { GateResult } from '@gatehouse/proxy';
import type { Document } from 'bson';
import type { Decision } from '@gatehouse/core';

/**
 * The error replies the gateway itself sends, with the codes mongod uses for the same situations,
 * so drivers and shells react as they would to the server. Each is a command reply document.
 */

/** Denied, or waiting for approval: 13 Unauthorized, naming the rule. */
export function refusalReply(decision: Decision): Document {
  const rules = decision.rules.length > 0 ? decision.rules.join(', ') : 'default deny';
  const errmsg =
    decision.effect === 'review'
      ? `gatehouse: approval required (${rules}): ${decision.reason}`
      : `gatehouse: command refused (${rules}): ${decision.reason}`;
  return { ok: 0, errmsg, code: 13, codeName: 'Unauthorized' };
}

/** A gate refused (approval denied/expired/required, audit unavailable): 13 Unauthorized, naming the rule. */
export function gateRefusalReply(result: Extract<GateResult, { proceed: false }>, decision: Decision): Document {
  const rules = decision.rules.length > 0 ? decision.rules.join(', ') : 'review';
  switch (result.reason) {
    case 'policy':
      return refusalReply(decision);
    case 'approval-required':
      return result.approvalId ? { ok: 0, errmsg: `gatehouse: ${result.message}`, code: 13, codeName: 'Unauthorized' } : refusalReply(decision);
    case 'approval-denied':
    case 'approval-expired': {
      const what = result.reason === 'approval-denied' ? 'approval denied' : 'approval expired';
      return { ok: 0, errmsg: `gatehouse: ${what} (${rules}): ${result.message}`, code: 13, codeName: 'Unauthorized' };
    }
    default:
      return { ok: 0, errmsg: `gatehouse: ${result.message}`, code: 13, codeName: 'Unauthorized' };
  }
}

/** 18 AuthenticationFailed. */
export function authenticationFailedReply(message: string): Document {
  return { ok: 0, errmsg: `gatehouse: ${message}`, code: 18, codeName: 'AuthenticationFailed' };
}

/** The one message a client that tries SCRAM (or anything else) sees. */
export const ACCEPTED_MECHANISMS_MESSAGE = 'gatehouse accepts PLAIN (inside TLS) or MONGODB-OIDC';

export function unsupportedMechanismReply(): Document {
  return { ok: 0, errmsg: ACCEPTED_MECHANISMS_MESSAGE, code: 18, codeName: 'AuthenticationFailed' };
}

/** A command before authentication: 13 Unauthorized, as mongod says it. */
export function unauthenticatedReply(command: string): Document {
  return { ok: 0, errmsg: `gatehouse: command ${command} requires authentication`, code: 13, codeName: 'Unauthorized' };
}

/** getMore/killCursors on a cursor this principal did not open. */
export function foreignCursorReply(): Document {
  return { ok: 0, errmsg: 'gatehouse: cursor was not opened by this principal through the gateway', code: 13, codeName: 'Unauthorized' };
}

/** A command naming a logical session (lsid) another principal started: refused before it runs. */
export function foreignSessionReply(): Document {
  return { ok: 0, errmsg: 'gatehouse: this logical session (lsid) was started by another principal', code: 13, codeName: 'Unauthorized' };
}

/**
 * A command stopped by the client's own `killSessions`: 11601 Interrupted, as mongod ends an
 * operation killed with killOp/killSessions.
 */
export function interruptedReply(reason = 'operation was interrupted (killSessions)'): Document {
  return { ok: 0, errmsg: `gatehouse: ${reason}`, code: 11601, codeName: 'Interrupted' };
}

/** A result value could not be masked with certainty under a strict policy. */
export function maskingFailedReply(reason = 'a result value could not be masked safely, so the result was withheld'): Document {
  return { ok: 0, errmsg: `gatehouse: ${reason}`, code: 13, codeName: 'Unauthorized' };
}

/** The upstream could not be reached or refused the gateway: 6 HostUnreachable. */
export function upstreamUnavailableReply(): Document {
  return { ok: 0, errmsg: 'gatehouse: the database behind this connection is not available; try again later', code: 6, codeName: 'HostUnreachable' };
}

/** Plaintext on a listener that requires TLS. */
export function tlsRequiredReply(): Document {
  return { ok: 0, errmsg: 'gatehouse: this listener requires TLS; connect with tls=true', code: 18, codeName: 'AuthenticationFailed' };
}

/** OP_QUERY for anything but the handshake: 352 UnsupportedOpQueryCommand, as MongoDB 6+ answers. */
export function opQueryUnsupportedReply(): Document {
  return { ok: 0, errmsg: 'gatehouse: OP_QUERY is only accepted for hello/isMaster; use OP_MSG', code: 352, codeName: 'UnsupportedOpQueryCommand' };
}

/** A malformed message: the connection closes after this reply. */
export function protocolViolationReply(message: string): Document {
  return { ok: 0, errmsg: `gatehouse: protocol violation: ${message}`, code: 2, codeName: 'BadValue' };
}

/** The gateway is shutting down: 91 ShutdownInProgress. */
export function shuttingDownReply(): Document {
  return { ok: 0, errmsg: 'gatehouse: the gateway is shutting down', code: 91, codeName: 'ShutdownInProgress' };
}
