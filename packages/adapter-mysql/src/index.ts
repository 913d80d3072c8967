// Public API of the MySQL/MariaDB adapter: the codec, upstream authentication, and the DialectAdapter.

export { ProtocolError, ProtocolErrorCode, UpstreamAuthError, UpstreamAuthErrorCode } from './errors.js';

export {
  Capability,
  ColumnFlag,
  ColumnType,
  Command,
  ErrorCode,
  GATEWAY_CAPABILITIES,
  ServerStatus,
  commandName,
} from './protocol/constants.js';
export type { Packet } from './protocol/packet.js';
export { nextSequenceId } from './protocol/packet.js';
export { PacketReader, DEFAULT_MAX_PACKET_BYTES } from './protocol/packet-reader.js';
export type { PacketReaderOptions } from './protocol/packet-reader.js';
export { PayloadCursor } from './protocol/cursor.js';
export { PayloadWriter, framePayload } from './protocol/writer.js';
export {
  decodeHandshakeV10,
  encodeHandshakeV10,
  decodeHandshakeResponse41,
  encodeHandshakeResponse41,
  decodeSslRequest,
  encodeSslRequest,
  isSslRequest,
} from './protocol/messages/handshake.js';
export type { HandshakeV10, HandshakeV10Input, HandshakeResponse41, HandshakeResponse41Input } from './protocol/messages/handshake.js';
export { decodeOk, encodeOk, decodeErr, encodeErr, decodeEof, encodeEof, isEofPacket, isResultSetTerminator } from './protocol/messages/generic.js';
export type { OkPacket, ErrPacket, EofPacket } from './protocol/messages/generic.js';
export { decodeAuthSwitchRequest, encodeAuthSwitchRequest, decodeAuthMoreData, encodeAuthMoreData, encodeAuthData, CachingSha2 } from './protocol/messages/auth.js';
export type { AuthSwitchRequest } from './protocol/messages/auth.js';
export { decodeColumnDefinition, encodeColumnDefinition, decodeColumnCount, encodeColumnCount } from './protocol/messages/columns.js';
export type { ColumnDefinition } from './protocol/messages/columns.js';
export { scanTextRow, rewriteTextRow, scanBinaryRow, rewriteBinaryRow, binaryValueSize } from './protocol/messages/rows.js';
export type { RowLayout } from './protocol/messages/rows.js';
export {
  decodeQuery,
  encodeQuery,
  decodeCommandText,
  encodeCommandText,
  decodeCommandId,
  encodeCommandId,
  decodeStmtExecuteHead,
  decodeStmtPrepareOk,
  encodeStmtPrepareOk,
} from './protocol/messages/commands.js';
export type { StmtPrepareOk } from './protocol/messages/commands.js';

export {
  nativePasswordResponse,
  cachingSha2Response,
  cleartextResponse,
  rsaEncryptedPassword,
  MYSQL_NATIVE_PASSWORD,
  CACHING_SHA2_PASSWORD,
  MYSQL_CLEAR_PASSWORD,
} from './auth/scramble.js';
export { UpstreamAuthenticator } from './auth/upstream-authenticator.js';
export type { UpstreamAuthenticatorOptions, AuthStep } from './auth/upstream-authenticator.js';

// The session layer: the DialectAdapter the gateway registers for `dialect: mysql`.
export { createMysqlAdapter } from './mysql-adapter.js';
export type { MysqlAdapterOptions } from './mysql-adapter.js';
export type { MysqlListenerOptions } from './session/mysql-session.js';
export type { ClientAuthPlugin } from './session/client-handshake.js';
export { SessionRegistry } from './session/session-registry.js';
export { connectUpstream, openUpstream, loginUpstream, UpstreamLoginError } from './session/upstream-login.js';
export type { MysqlUpstreamSettings, UpstreamConnection, UpstreamGreeting } from './session/upstream-login.js';
