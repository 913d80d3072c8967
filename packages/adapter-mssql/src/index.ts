export { ProtocolError, ProtocolErrorCode, TransportError, TransportErrorCode } from './errors.js';
export {
  PacketType,
  PacketStatus,
  HEADER_LENGTH,
  DEFAULT_PACKET_SIZE,
  MAX_PACKET_SIZE,
  MIN_PACKET_SIZE,
  encodeMessage,
  isEndOfMessage,
  describePacketType,
} from './protocol/packet.js';
export type { Packet, EncodeMessageOptions } from './protocol/packet.js';
export { PacketReader } from './protocol/packet-reader.js';
export type { PacketReaderOptions } from './protocol/packet-reader.js';
export { MessageAssembler, assemble } from './protocol/message.js';
export type { Message } from './protocol/message.js';
export { TdsReader, messageReader, NOT_ENOUGH_DATA, isNotEnoughData } from './protocol/reader.js';
export type { NotEnoughData } from './protocol/reader.js';
export { TdsWriter } from './protocol/writer.js';
export {
  Encryption,
  ENCRYPT_CLIENT_CERT,
  PreloginOption,
  decodePrelogin,
  encodePrelogin,
  negotiateEncryption,
  clientEncryptionOutcome,
} from './protocol/prelogin.js';
export type { Prelogin, PreloginVersion, EncryptionOutcome } from './protocol/prelogin.js';
export {
  TdsVersion,
  FeatureId,
  FedAuthLibrary,
  OPTION_FLAGS3_EXTENSION,
  OPTION_FLAGS2_INTEGRATED_SECURITY,
  decodeLogin7,
  encodeLogin7,
  encodeFedAuth,
  obfuscatePassword,
  deobfuscatePassword,
} from './protocol/login7.js';
export type { Login7, Login7Input, FeatureExt, FedAuthFeature } from './protocol/login7.js';
export {
  DataType,
  FIXED_SIZES,
  MAX_LENGTH_PLP,
  CHARACTER_TYPES,
  UNICODE_TYPES,
  DEFAULT_COLLATION,
  typeName,
  valueFraming,
  readTypeInfo,
  writeTypeInfo,
  decimalLength,
  timeLength,
  isUtf8Collation,
} from './protocol/data-types.js';
export type { TypeInfo, ValueFraming } from './protocol/data-types.js';
export { scanValue, valueBytes, PLP_NULL, PLP_UNKNOWN_LENGTH, DEFAULT_MAX_VALUE_BYTES } from './protocol/value-layout.js';
export type { ValueRange } from './protocol/value-layout.js';
export { decodeValue, encodeValueData, writeValue, writeValueData, PLP_CHUNK } from './protocol/values.js';
export type { TdsValue } from './protocol/values.js';
export { HeaderType, readAllHeaders, encodeAllHeaders } from './protocol/requests/all-headers.js';
export type { AllHeaders } from './protocol/requests/all-headers.js';
export { decodeSqlBatch, encodeSqlBatch } from './protocol/requests/sql-batch.js';
export type { SqlBatch } from './protocol/requests/sql-batch.js';
export {
  ProcId,
  ParamStatus,
  decodeRpc,
  encodeRpc,
  procedureName,
  parameterText,
  parameterInt,
  summarizeRpc,
} from './protocol/requests/rpc.js';
export type { RpcRequest, RpcCall, RpcParameter, RpcSummary, RpcCallInput, RpcParameterInput } from './protocol/requests/rpc.js';
export {
  TmRequestType,
  IsolationLevel,
  decodeTransactionManager,
  encodeTransactionManager,
} from './protocol/requests/transaction-manager.js';
export type { TransactionManagerRequest } from './protocol/requests/transaction-manager.js';
export { TokenType, DoneStatus, ColumnFlag, EnvChangeType } from './protocol/tokens/token-types.js';
export type {
  Token,
  TokenContext,
  TokenResult,
  ColumnMetadata,
  ColMetadataToken,
  RowToken,
  DoneToken,
  MessageToken,
  EnvChangeToken,
  RoutingData,
  LoginAckToken,
  OrderToken,
  ReturnStatusToken,
  ReturnValueToken,
  FeatureExtAckToken,
  FedAuthInfoToken,
  OpaqueToken,
} from './protocol/tokens/token-types.js';
export { parseToken, newTokenContext } from './protocol/tokens/parse-token.js';
export { encodeColMetadata, isNullable } from './protocol/tokens/colmetadata.js';
export { encodeRow, encodeNbcRow } from './protocol/tokens/row.js';
export { encodeDone } from './protocol/tokens/done.js';
export type { DoneInput } from './protocol/tokens/done.js';
export { encodeMessageToken } from './protocol/tokens/error-info.js';
export type { MessageInput } from './protocol/tokens/error-info.js';
export { encodeEnvChangeString, encodeEnvChangeBytes, encodeRoutingEnvChange } from './protocol/tokens/envchange.js';
export { encodeLoginAck } from './protocol/tokens/loginack.js';
export type { LoginAckInput } from './protocol/tokens/loginack.js';
export {
  encodeOrder,
  encodeReturnStatus,
  encodeReturnValue,
  encodeFeatureExtAck,
  encodeFedAuthInfo,
} from './protocol/tokens/misc.js';
export type { ReturnValueInput } from './protocol/tokens/misc.js';
export { TokenStreamReader } from './protocol/token-stream-reader.js';
export type { TokenStreamReaderOptions } from './protocol/token-stream-reader.js';
export { rewriteRow, encodeColumnText } from './protocol/row-rewriter.js';
export type { Replacement } from './protocol/row-rewriter.js';
export { TlsInPreloginCarrier } from './tls/tls-in-prelogin.js';
export type { CarrierMode, CarrierOptions } from './tls/tls-in-prelogin.js';
export {
  acceptTlsInPrelogin,
  acceptStrictTls,
  connectTlsInPrelogin,
  connectStrictTls,
  TDS8_ALPN,
} from './tls/tls-setup.js';
export type { TdsTls, ServerTlsOptions, ClientTlsOptions } from './tls/tls-setup.js';
export { StreamingMessageWriter } from './protocol/message-writer.js';
export type { MessageWriterOptions } from './protocol/message-writer.js';
export { TdsMessageStream } from './session/message-stream.js';
export { decodeLogin7Response } from './session/login-response.js';
export type { LoginResponse } from './session/login-response.js';
export { loginUpstream, UpstreamLoginError } from './session/upstream-login.js';
export type { MssqlUpstreamSettings, MssqlUpstreamConnection } from './session/upstream-login.js';
export { typeClassOf, resultColumnsOf, lineageOf, rowMaskerFor, TdsRowMasker } from './session/result-masking.js';
export type { RowMasker } from './session/result-masking.js';
export { ResponseMasker } from './session/response-masker.js';
export type { ResponseMaskerOptions } from './session/response-masker.js';
export { refusalTokens, loginFailedTokens, gatewayFailureTokens, MssqlError, GATEWAY_SERVER_NAME } from './session/native-errors.js';
export { clientHandshake, HandshakeRefusedError } from './session/client-handshake.js';
export type { ClientHandshakeOptions, ClientHello } from './session/client-handshake.js';
export { composeClientLoginResponse } from './session/login-response.js';

// The session layer: the DialectAdapter the gateway registers for `dialect: mssql`.
export { createMssqlAdapter } from './mssql-adapter.js';
export type { MssqlListenerOptions } from './session/mssql-session.js';
export { PreparedHandles } from './session/prepared-handles.js';
export { parseInsertBulk } from './session/insert-bulk.js';
