import { DoneStatus, TokenType } from '../protocol/tokens/token-types.js';
import { encodeDone } from '../protocol/tokens/done.js';
import { encodeMessageToken } from '../protocol/tokens/error-info.js';

/** The server name the gateway puts in the errors it writes itself. */
export const GATEWAY_SERVER_NAME = 'gatehouse';

/** SQL Server error numbers the gateway answers with. */
export const MssqlError = {
  /** "The %s permission was denied on the object …": what SQL Server says for a permission refusal. */
  PermissionDenied: 229,
  LoginFailed: 18456,
  /** Generic "cannot continue the execution" for gateway-side failures (class 16). */
  GatewayFailure: 50000,
} as const;

/**
 * A refused request, as SQL Server refuses a permission: ERROR 229, class 14, then a DONE with the
 * error bit (DONEPROC for an RPC call). The session continues. `final` false sets DONE_MORE when
 * more results of the same response follow (the next call of an RPC batch).
 */
export function refusalTokens(message: string, options: { rpc?: boolean; final?: boolean; procName?: string } = {}): Buffer {
  const more = options.final === false ? DoneStatus.More : 0;
  return Buffer.concat([
    encodeMessageToken('error', { number: MssqlError.PermissionDenied, state: 1, class: 14, message, serverName: GATEWAY_SERVER_NAME, procName: options.procName ?? '', lineNumber: 1 }),
    encodeDone({ status: DoneStatus.Error | more }, options.rpc ? TokenType.DoneProc : TokenType.Done),
  ]);
}

/** Login refused (bad token, unknown user, unencrypted token): SQL Server's 18456, class 14. */
export function loginFailedTokens(user: string): Buffer {
  return Buffer.concat([
    encodeMessageToken('error', { number: MssqlError.LoginFailed, state: 1, class: 14, message: `Login failed for user '${user.slice(0, 128)}'.`, serverName: GATEWAY_SERVER_NAME, lineNumber: 1 }),
    encodeDone({ status: DoneStatus.Error }),
  ]);
}

/** The gateway could not serve the request (upstream down, masking failed): class 16, then DONE error. */
export function gatewayFailureTokens(message: string): Buffer {
  return Buffer.concat([
    encodeMessageToken('error', { number: MssqlError.GatewayFailure, state: 1, class: 16, message, serverName: GATEWAY_SERVER_NAME, lineNumber: 1 }),
    encodeDone({ status: DoneStatus.Error }),
  ]);
}

/** The client asked for a database this connection does not serve: SQL Server's 4060 (the login fails). */
export function databaseRefusedTokens(database: string, served: string): Buffer {
  return Buffer.concat([
    encodeMessageToken('error', {
      number: 4060,
      state: 1,
      class: 11,
      message: `Cannot open database "${database.slice(0, 128)}" requested by the login: gatehouse serves database "${served}" on this connection. The login failed.`,
      serverName: GATEWAY_SERVER_NAME,
      lineNumber: 1,
    }),
    encodeDone({ status: DoneStatus.Error }),
  ]);
}
