import type { GateResult } from '@gatehouse/proxy';
import type { Decision } from '@gatehouse/core';
import { ErrorCode } from '../protocol/constants.js';
import { encodeErr } from '../protocol/messages/generic.js';

/**
 * The ERR packets the gateway itself sends, with the error numbers and SQLSTATEs the server uses
 * for the same situations, so clients and drivers react as they would to the server. `sequenceId`
 * is the id the packet must carry at its place in the conversation.
 */

function rulesOf(decision: Decision): string {
  return decision.rules.length > 0 ? decision.rules.join(', ') : 'default deny';
}

/** A statement refused (deny) or waiting for approval (review): 1142 ER_TABLEACCESS_DENIED_ERROR, 42000. */
export function refusalError(decision: Decision, sequenceId: number): Buffer {
  const review = decision.effect === 'review';
  const message = review
    ? `gatehouse: approval required (${rulesOf(decision)}): ${decision.reason}. An approver must approve this statement before it can run.`
    : `gatehouse: statement refused (${rulesOf(decision)}): ${decision.reason}`;
  return encodeErr({ errorCode: ErrorCode.TABLEACCESS_DENIED, sqlState: '42000', message }, sequenceId);
}

/** A gate refused (approval denied/expired/required, audit unavailable): 1142, naming the rule. */
export function gateRefusalError(result: Extract<GateResult, { proceed: false }>, decision: Decision, sequenceId: number): Buffer {
  switch (result.reason) {
    case 'policy':
    case 'approval-required':
      return result.approvalId
        ? encodeErr({ errorCode: ErrorCode.TABLEACCESS_DENIED, sqlState: '42000', message: `gatehouse: ${result.message}` }, sequenceId)
        : refusalError(decision, sequenceId);
    case 'approval-denied':
    case 'approval-expired': {
      const what = result.reason === 'approval-denied' ? 'approval denied' : 'approval expired';
      return encodeErr({ errorCode: ErrorCode.TABLEACCESS_DENIED, sqlState: '42000', message: `gatehouse: ${what} (${rulesOf(decision)}): ${result.message}` }, sequenceId);
    }
    default:
      return encodeErr({ errorCode: ErrorCode.TABLEACCESS_DENIED, sqlState: 'HY000', message: `gatehouse: ${result.message}` }, sequenceId);
  }
}

/** Authentication failed: 1045 ER_ACCESS_DENIED_ERROR, 28000 (the connection ends). */
export function authenticationFailedError(user: string, message: string, sequenceId: number): Buffer {
  return encodeErr({ errorCode: ErrorCode.ACCESS_DENIED, sqlState: '28000', message: `gatehouse: access denied for user '${user}': ${message}` }, sequenceId);
}

/** The token would cross without TLS: 3159 ER_SECURE_TRANSPORT_REQUIRED, HY000. */
export function tlsRequiredError(sequenceId: number): Buffer {
  return encodeErr(
    {
      errorCode: ErrorCode.SECURE_TRANSPORT_REQUIRED,
      sqlState: 'HY000',
      message: 'gatehouse: connections using insecure transport are prohibited; connect with TLS (mysql2: ssl option; mariadb: --ssl)',
    },
    sequenceId,
  );
}

/** A malformed or out-of-order packet: 1158 ER_NET_READ_ERROR / 1156 / 1153, 08S01 (the connection ends). */
export function protocolViolationError(message: string, sequenceId: number, errorCode: number = ErrorCode.NET_READ_ERROR): Buffer {
  return encodeErr({ errorCode, sqlState: '08S01', message: `gatehouse: protocol violation: ${message}` }, sequenceId);
}

/** A command the gateway does not let through (replication, COM_DEBUG …): 1047 ER_UNKNOWN_COM_ERROR, 08S01. */
export function unsupportedCommandError(what: string, sequenceId: number): Buffer {
  return encodeErr({ errorCode: ErrorCode.UNKNOWN_COM, sqlState: '08S01', message: `gatehouse: ${what} is not allowed through the gateway` }, sequenceId);
}

/** Something the gateway refuses by design with an explanation: 1235 ER_NOT_SUPPORTED_YET, 42000. */
export function notSupportedError(message: string, sequenceId: number): Buffer {
  return encodeErr({ errorCode: ErrorCode.NOT_SUPPORTED_YET, sqlState: '42000', message: `gatehouse: ${message}` }, sequenceId);
}

/** EXECUTE/FETCH/… of a statement id the gateway never allowed: 1243 ER_UNKNOWN_STMT_HANDLER, HY000. */
export function unknownStatementError(id: number, command: string, sequenceId: number): Buffer {
  return encodeErr({ errorCode: ErrorCode.UNKNOWN_STMT_HANDLER, sqlState: 'HY000', message: `Unknown prepared statement handler (${id}) given to ${command}` }, sequenceId);
}

/**
 * COM_STMT_FETCH with no cursor the gateway saw opened, when its rows would need masking: the gateway
 * has no column definitions to mask them by, so it answers as the server would (1421, HY000).
 */
export function noOpenCursorError(id: number, sequenceId: number): Buffer {
  return encodeErr({ errorCode: ErrorCode.STMT_HAS_NO_OPEN_CURSOR, sqlState: 'HY000', message: `The statement (${id}) has no open cursor.` }, sequenceId);
}

/** KILL of a connection that is not one of this identity's gateway sessions: 1094 ER_NO_SUCH_THREAD. */
export function noSuchThreadError(id: number, sequenceId: number): Buffer {
  return encodeErr({ errorCode: ErrorCode.NO_SUCH_THREAD, sqlState: 'HY000', message: `Unknown thread id: ${id} (gatehouse: only your own gateway sessions can be killed)` }, sequenceId);
}

/** The upstream could not be reached or refused the gateway: 1105 ER_UNKNOWN_ERROR, HY000. */
export function upstreamUnavailableError(sequenceId: number): Buffer {
  return encodeErr({ errorCode: ErrorCode.UNKNOWN_ERROR, sqlState: 'HY000', message: 'gatehouse: the database behind this connection is not available; try again later' }, sequenceId);
}

/** The database the client asked for is refused: 1044-style, reported as 1049 ER_BAD_DB_ERROR, 42000. */
export function databaseRefusedError(database: string, reason: string, sequenceId: number): Buffer {
  return encodeErr({ errorCode: ErrorCode.TABLEACCESS_DENIED, sqlState: '42000', message: `gatehouse: database '${database}' refused: ${reason}` }, sequenceId);
}

/** The gateway is shutting down: 1053 ER_SERVER_SHUTDOWN, 08S01. */
export function shuttingDownError(sequenceId: number): Buffer {
  return encodeErr({ errorCode: ErrorCode.SERVER_SHUTDOWN, sqlState: '08S01', message: 'gatehouse: the gateway is shutting down' }, sequenceId);
}

/** Masking could not make a value safe: the rest of the result is withheld (1142, 42000). */
export function maskingFailedError(sequenceId: number): Buffer {
  return encodeErr(
    { errorCode: ErrorCode.TABLEACCESS_DENIED, sqlState: '42000', message: 'gatehouse: a result value could not be masked safely, so the result was withheld' },
    sequenceId,
  );
}
