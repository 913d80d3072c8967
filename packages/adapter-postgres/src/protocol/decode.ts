import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { BackendCode, FrontendCode, describeCode } from './codes.js';
import type { Frame } from './frame.js';
import { decodeAuthentication } from './messages/authentication.js';
import type { AuthenticationMessage } from './messages/authentication.js';
import { decodeCopyData, decodeCopyDone, decodeCopyFail, decodeCopyResponse } from './messages/copy.js';
import type { CopyDataMessage, CopyDoneMessage, CopyFailMessage, CopyResponseMessage } from './messages/copy.js';
import { decodeErrorResponse, decodeNoticeResponse } from './messages/error-notice.js';
import type { ErrorNoticeMessage } from './messages/error-notice.js';
import {
  decodeBind,
  decodeClose,
  decodeDescribe,
  decodeExecute,
  decodeExtendedAck,
  decodeFlush,
  decodeParameterDescription,
  decodeParse,
  decodeSync,
} from './messages/extended.js';
import type {
  BindMessage,
  CloseMessage,
  DescribeMessage,
  ExecuteMessage,
  ExtendedAckMessage,
  FlushMessage,
  ParameterDescriptionMessage,
  ParseMessage,
  SyncMessage,
} from './messages/extended.js';
import { decodeFunctionCall, decodeFunctionCallResponse } from './messages/function-call.js';
import type { FunctionCallMessage, FunctionCallResponseMessage } from './messages/function-call.js';
import { decodeCommandComplete, decodeEmptyQueryResponse, decodeQuery } from './messages/query.js';
import type { CommandCompleteMessage, EmptyQueryResponseMessage, QueryMessage } from './messages/query.js';
import { decodeDataRow, decodeRowDescription } from './messages/rows.js';
import type { DataRowMessage, RowDescriptionMessage } from './messages/rows.js';
import {
  decodeBackendKeyData,
  decodeNegotiateProtocolVersion,
  decodeNotificationResponse,
  decodeParameterStatus,
  decodeReadyForQuery,
  decodeTerminate,
} from './messages/session.js';
import type {
  BackendKeyDataMessage,
  NegotiateProtocolVersionMessage,
  NotificationResponseMessage,
  ParameterStatusMessage,
  ReadyForQueryMessage,
  TerminateMessage,
} from './messages/session.js';
import { decodeEncryptionResponse, decodeStartupPacket } from './messages/startup.js';
import type { EncryptionResponseMessage, StartupPacket } from './messages/startup.js';

/**
 * A 'p' message left undecoded: whether it is a PasswordMessage, SASLInitialResponse, SASLResponse or
 * GSSResponse depends on the Authentication request it answers, which only the session knows. Decode
 * it with decodePasswordMessage / decodeSASLInitialResponse / decodeSASLResponse.
 */
export interface AuthResponseMessage {
  readonly type: 'authResponse';
  readonly frame: Frame;
}

export type FrontendMessage =
  | StartupPacket
  | QueryMessage
  | ParseMessage
  | BindMessage
  | DescribeMessage
  | ExecuteMessage
  | SyncMessage
  | FlushMessage
  | CloseMessage
  | CopyDataMessage
  | CopyDoneMessage
  | CopyFailMessage
  | FunctionCallMessage
  | TerminateMessage
  | AuthResponseMessage;

export type BackendMessage =
  | EncryptionResponseMessage
  | AuthenticationMessage
  | BackendKeyDataMessage
  | ParameterStatusMessage
  | ReadyForQueryMessage
  | RowDescriptionMessage
  | DataRowMessage
  | CommandCompleteMessage
  | ErrorNoticeMessage
  | NotificationResponseMessage
  | ExtendedAckMessage
  | ParameterDescriptionMessage
  | EmptyQueryResponseMessage
  | CopyResponseMessage
  | CopyDataMessage
  | CopyDoneMessage
  | FunctionCallResponseMessage
  | NegotiateProtocolVersionMessage;

/**
 * Decodes any client frame. The session pipeline usually calls the specific decoder for the frames it
 * inspects and forwards the rest raw; this is for logging, tests and tools.
 */
export function decodeFrontendMessage(frame: Frame): FrontendMessage {
  if (frame.kind === 'startup') return decodeStartupPacket(frame);
  if (frame.kind !== 'typed') {
    throw new ProtocolError(ProtocolErrorCode.WrongFrame, `a client does not send ${frame.kind} frames`);
  }
  switch (frame.code) {
    case FrontendCode.Query:
      return decodeQuery(frame);
    case FrontendCode.Parse:
      return decodeParse(frame);
    case FrontendCode.Bind:
      return decodeBind(frame);
    case FrontendCode.Describe:
      return decodeDescribe(frame);
    case FrontendCode.Execute:
      return decodeExecute(frame);
    case FrontendCode.Sync:
      return decodeSync(frame);
    case FrontendCode.Flush:
      return decodeFlush(frame);
    case FrontendCode.Close:
      return decodeClose(frame);
    case FrontendCode.CopyData:
      return decodeCopyData(frame);
    case FrontendCode.CopyDone:
      return decodeCopyDone(frame);
    case FrontendCode.CopyFail:
      return decodeCopyFail(frame);
    case FrontendCode.FunctionCall:
      return decodeFunctionCall(frame);
    case FrontendCode.Terminate:
      return decodeTerminate(frame);
    case FrontendCode.AuthResponse:
      return { type: 'authResponse', frame };
    default:
      throw new ProtocolError(ProtocolErrorCode.UnknownMessage, `unknown frontend message type ${describeCode(frame.code)}`);
  }
}

/** Decodes any server frame. */
export function decodeBackendMessage(frame: Frame): BackendMessage {
  if (frame.kind === 'encryptionResponse') return decodeEncryptionResponse(frame);
  if (frame.kind !== 'typed') {
    throw new ProtocolError(ProtocolErrorCode.WrongFrame, `a server does not send ${frame.kind} frames`);
  }
  switch (frame.code) {
    case BackendCode.Authentication:
      return decodeAuthentication(frame);
    case BackendCode.BackendKeyData:
      return decodeBackendKeyData(frame);
    case BackendCode.ParameterStatus:
      return decodeParameterStatus(frame);
    case BackendCode.ReadyForQuery:
      return decodeReadyForQuery(frame);
    case BackendCode.RowDescription:
      return decodeRowDescription(frame);
    case BackendCode.DataRow:
      return decodeDataRow(frame);
    case BackendCode.CommandComplete:
      return decodeCommandComplete(frame);
    case BackendCode.ErrorResponse:
      return decodeErrorResponse(frame);
    case BackendCode.NoticeResponse:
      return decodeNoticeResponse(frame);
    case BackendCode.NotificationResponse:
      return decodeNotificationResponse(frame);
    case BackendCode.ParseComplete:
      return decodeExtendedAck(frame, 'parseComplete');
    case BackendCode.BindComplete:
      return decodeExtendedAck(frame, 'bindComplete');
    case BackendCode.CloseComplete:
      return decodeExtendedAck(frame, 'closeComplete');
    case BackendCode.NoData:
      return decodeExtendedAck(frame, 'noData');
    case BackendCode.PortalSuspended:
      return decodeExtendedAck(frame, 'portalSuspended');
    case BackendCode.ParameterDescription:
      return decodeParameterDescription(frame);
    case BackendCode.EmptyQueryResponse:
      return decodeEmptyQueryResponse(frame);
    case BackendCode.CopyInResponse:
      return decodeCopyResponse(frame, 'copyInResponse');
    case BackendCode.CopyOutResponse:
      return decodeCopyResponse(frame, 'copyOutResponse');
    case BackendCode.CopyBothResponse:
      return decodeCopyResponse(frame, 'copyBothResponse');
    case BackendCode.CopyData:
      return decodeCopyData(frame);
    case BackendCode.CopyDone:
      return decodeCopyDone(frame);
    case BackendCode.FunctionCallResponse:
      return decodeFunctionCallResponse(frame);
    case BackendCode.NegotiateProtocolVersion:
      return decodeNegotiateProtocolVersion(frame);
    default:
      throw new ProtocolError(ProtocolErrorCode.UnknownMessage, `unknown backend message type ${describeCode(frame.code)}`);
  }
}
