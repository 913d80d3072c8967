import { GatehouseError } from '@gatehouse/core';

/**
 * Stable codes for everything the MongoDB codec can refuse. Callers branch on these, never on the
 * message text.
 */
export const ProtocolErrorCode = {
  /** messageLength below the 16-byte header (or below an opcode's minimum). */
  BadLength: 'MONGO_BAD_LENGTH',
  /** messageLength above maxMessageSizeBytes; raised from the header, before the body is buffered. */
  MessageTooLarge: 'MONGO_MESSAGE_TOO_LARGE',
  /** An opcode this side of the conversation does not accept (OP_COMPRESSED, OP_INSERT, garbage). */
  UnknownOpcode: 'MONGO_UNKNOWN_OPCODE',
  /** Sections, documents or strings inside a message are truncated, overlong or inconsistent. */
  Malformed: 'MONGO_MALFORMED_MESSAGE',
  /** A BSON document is not valid BSON. */
  InvalidBson: 'MONGO_INVALID_BSON',
  /** The CRC-32C checksum does not match the message. */
  BadChecksum: 'MONGO_BAD_CHECKSUM',
  /** An OP_MSG flag bit the protocol reserves as "required" is set, so the message cannot be understood. */
  UnknownRequiredFlag: 'MONGO_UNKNOWN_REQUIRED_FLAG',
  /** A well-formed message that the state of the conversation does not allow. */
  UnexpectedMessage: 'MONGO_UNEXPECTED_MESSAGE',
  /** An encoder was given a value the wire format cannot carry. */
  Unencodable: 'MONGO_UNENCODABLE',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** The MongoDB wire protocol was violated (by the peer when decoding, by the caller when encoding). */
export class ProtocolError extends GatehouseError {
  declare readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Stable codes for the gateway's own login to the upstream. */
export const UpstreamAuthErrorCode = {
  ScramProtocol: 'MONGO_SCRAM_PROTOCOL',
  ScramServerSignature: 'MONGO_SCRAM_SERVER_SIGNATURE',
  ScramState: 'MONGO_SCRAM_STATE',
  NoSupportedMechanism: 'MONGO_SASL_NO_MECHANISM',
  /** The server answered a login command with ok: 0. */
  Refused: 'MONGO_UPSTREAM_AUTH_REFUSED',
} as const;
export type UpstreamAuthErrorCode = (typeof UpstreamAuthErrorCode)[keyof typeof UpstreamAuthErrorCode];

/** Authenticating the gateway to the upstream MongoDB server failed. */
export class UpstreamAuthError extends GatehouseError {
  declare readonly code: UpstreamAuthErrorCode;

  constructor(code: UpstreamAuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
