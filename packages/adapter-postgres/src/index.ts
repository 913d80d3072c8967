// Public API of the PostgreSQL adapter's codec layer: framing, message codecs, upstream auth.

export { ProtocolError, ProtocolErrorCode, UpstreamAuthError, UpstreamAuthErrorCode } from './errors.js';

export {
  AuthenticationType,
  BackendCode,
  EncryptionResponseCode,
  ErrorField,
  FormatCode,
  FrontendCode,
  StartupRequestCode,
  TransactionStatus,
  describeCode,
} from './protocol/codes.js';
export type { Frame, FrameKind } from './protocol/frame.js';
export type { ReaderState } from './protocol/push-reader.js';
export { FrontendReader, DEFAULT_FRONTEND_MAX_MESSAGE_BYTES, DEFAULT_MAX_STARTUP_BYTES } from './protocol/frontend-reader.js';
export type { FrontendReaderOptions, FrontendPhase } from './protocol/frontend-reader.js';
export { BackendReader, DEFAULT_BACKEND_MAX_MESSAGE_BYTES } from './protocol/backend-reader.js';
export type { BackendReaderOptions, EncryptionRequestKind } from './protocol/backend-reader.js';
export { MessageWriter } from './protocol/writer.js';
export { decodeFrontendMessage, decodeBackendMessage } from './protocol/decode.js';
export type { AuthResponseMessage, FrontendMessage, BackendMessage } from './protocol/decode.js';

export {
  decodeStartupPacket,
  decodeStartupMessage,
  decodeCancelRequest,
  decodeEncryptionResponse,
  encodeStartupMessage,
  encodeSSLRequest,
  encodeGSSENCRequest,
  encodeCancelRequest,
  encodeEncryptionResponse,
} from './protocol/messages/startup.js';
export type {
  StartupMessage,
  SSLRequestMessage,
  GSSENCRequestMessage,
  CancelRequestMessage,
  StartupPacket,
  EncryptionResponseMessage,
} from './protocol/messages/startup.js';

export {
  decodeAuthentication,
  encodeAuthenticationOk,
  encodeAuthenticationCleartextPassword,
  encodeAuthenticationMD5Password,
  encodeAuthenticationSASL,
  encodeAuthenticationSASLContinue,
  encodeAuthenticationSASLFinal,
  decodePasswordMessage,
  decodeSASLInitialResponse,
  decodeSASLResponse,
  encodePasswordMessage,
  encodeSASLInitialResponse,
  encodeSASLResponse,
} from './protocol/messages/authentication.js';
export type {
  AuthenticationMessage,
  AuthenticationPlain,
  AuthenticationMD5Password,
  AuthenticationSASL,
  AuthenticationWithData,
  PasswordMessage,
  SASLInitialResponseMessage,
  SASLResponseMessage,
} from './protocol/messages/authentication.js';

export {
  decodeQuery,
  encodeQuery,
  decodeCommandComplete,
  encodeCommandComplete,
  decodeEmptyQueryResponse,
  encodeEmptyQueryResponse,
} from './protocol/messages/query.js';
export type { QueryMessage, CommandCompleteMessage, EmptyQueryResponseMessage } from './protocol/messages/query.js';

export {
  decodeParse,
  encodeParse,
  decodeBind,
  encodeBind,
  decodeDescribe,
  encodeDescribe,
  decodeClose,
  encodeClose,
  decodeExecute,
  encodeExecute,
  decodeSync,
  encodeSync,
  decodeFlush,
  encodeFlush,
  decodeParameterDescription,
  encodeParameterDescription,
  decodeExtendedAck,
  encodeParseComplete,
  encodeBindComplete,
  encodeCloseComplete,
  encodeNoData,
  encodePortalSuspended,
} from './protocol/messages/extended.js';
export type {
  ParseMessage,
  BindMessage,
  BindInput,
  TargetKind,
  DescribeMessage,
  CloseMessage,
  ExecuteMessage,
  SyncMessage,
  FlushMessage,
  ParameterDescriptionMessage,
  ExtendedAckMessage,
} from './protocol/messages/extended.js';

export {
  decodeRowDescription,
  encodeRowDescription,
  scanDataRow,
  dataRowValue,
  decodeDataRow,
  encodeDataRow,
  rewriteDataRow,
} from './protocol/messages/rows.js';
export type { FieldDescription, RowDescriptionMessage, DataRowMessage, DataRowLayout } from './protocol/messages/rows.js';

export {
  decodeErrorResponse,
  decodeNoticeResponse,
  encodeErrorResponse,
  encodeNoticeResponse,
  errorResponse,
  noticeResponse,
} from './protocol/messages/error-notice.js';
export type { ErrorNoticeMessage, ErrorFieldEntries, ErrorNoticeInput } from './protocol/messages/error-notice.js';

export {
  decodeParameterStatus,
  encodeParameterStatus,
  decodeBackendKeyData,
  encodeBackendKeyData,
  decodeReadyForQuery,
  encodeReadyForQuery,
  decodeNotificationResponse,
  encodeNotificationResponse,
  decodeNegotiateProtocolVersion,
  encodeNegotiateProtocolVersion,
  decodeTerminate,
  encodeTerminate,
} from './protocol/messages/session.js';
export type {
  ParameterStatusMessage,
  BackendKeyDataMessage,
  ReadyForQueryMessage,
  NotificationResponseMessage,
  NegotiateProtocolVersionMessage,
  TerminateMessage,
} from './protocol/messages/session.js';

export {
  decodeCopyResponse,
  encodeCopyResponse,
  decodeCopyData,
  encodeCopyData,
  decodeCopyDone,
  encodeCopyDone,
  decodeCopyFail,
  encodeCopyFail,
} from './protocol/messages/copy.js';
export type {
  CopyResponseType,
  CopyResponseMessage,
  CopyDataMessage,
  CopyDoneMessage,
  CopyFailMessage,
} from './protocol/messages/copy.js';

export {
  decodeFunctionCall,
  encodeFunctionCall,
  decodeFunctionCallResponse,
  encodeFunctionCallResponse,
} from './protocol/messages/function-call.js';
export type { FunctionCallMessage, FunctionCallInput, FunctionCallResponseMessage } from './protocol/messages/function-call.js';

export { ScramSha256Client, selectScramMechanism, SCRAM_SHA_256, SCRAM_SHA_256_PLUS } from './auth/scram.js';
export type { ScramClientOptions, ScramChannelBinding } from './auth/scram.js';
export { md5PasswordResponse } from './auth/md5.js';
export { cleartextPasswordResponse } from './auth/cleartext.js';
export { saslprep } from './auth/saslprep.js';
export { UpstreamAuthenticator } from './auth/upstream-authenticator.js';
export type { UpstreamAuthMethod, UpstreamAuthenticatorOptions } from './auth/upstream-authenticator.js';

// The session layer: the DialectAdapter the gateway registers for `dialect: postgres`.
export { createPostgresAdapter } from './postgres-adapter.js';
export type { PostgresListenerOptions } from './session/postgres-session.js';
export { CancelRegistry } from './session/cancel-registry.js';
export type { GatewayBackendKey, UpstreamCancelTarget } from './session/cancel-registry.js';
export { UpstreamCatalog } from './session/catalog.js';
export type { CatalogLookup, CatalogTable } from './session/catalog.js';
export { connectUpstream, sendUpstreamCancel, UpstreamLoginError } from './session/upstream-login.js';
export type { PostgresUpstreamSettings, UpstreamConnection } from './session/upstream-login.js';
