import { GatehouseError } from '@gatehouse/core';

/**
 * Stable codes for everything the TDS codec can refuse. Callers branch on these, never on the message
 * text, so the text is free to say exactly which field of which message was wrong.
 */
export const ProtocolErrorCode = {
  /** A packet length below the 8-byte header, or above the negotiated packet size. */
  BadLength: 'TDS_BAD_LENGTH',
  /** A message whose packets add up to more than the configured cap; raised from headers, before buffering. */
  MessageTooLarge: 'TDS_MESSAGE_TOO_LARGE',
  /** A packet type this direction/phase does not allow, or a type change inside one message. */
  UnknownPacket: 'TDS_UNKNOWN_PACKET',
  /** Status bits that are not defined, or not allowed for this packet type. */
  BadStatus: 'TDS_BAD_STATUS',
  /** The inner structure of a message or token is truncated, overlong or otherwise inconsistent. */
  Malformed: 'TDS_MALFORMED',
  /** A token type the codec does not know (or refuses, such as ALTROW). */
  UnknownToken: 'TDS_UNKNOWN_TOKEN',
  /** A data type the codec does not know or cannot carry in this position. */
  UnknownType: 'TDS_UNKNOWN_TYPE',
  /** A well-formed message that the state of the conversation does not allow. */
  UnexpectedMessage: 'TDS_UNEXPECTED_MESSAGE',
  /** An encoder was given a value the wire format cannot carry. */
  Unencodable: 'TDS_UNENCODABLE',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** The TDS protocol was violated (by the peer when decoding, by the caller when encoding). */
export class ProtocolError extends GatehouseError {
  declare readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Stable codes for TLS-in-TDS transport failures. */
export const TransportErrorCode = {
  /** The peer's bytes during the TLS-in-PRELOGIN handshake were not PRELOGIN packets. */
  HandshakeFraming: 'TDS_TLS_HANDSHAKE_FRAMING',
  /** The TLS handshake itself failed (certificate, protocol version, alert). */
  Handshake: 'TDS_TLS_HANDSHAKE',
  /** The connection closed before the transport reached the requested state. */
  Closed: 'TDS_TRANSPORT_CLOSED',
} as const;
export type TransportErrorCode = (typeof TransportErrorCode)[keyof typeof TransportErrorCode];

/** Setting up or running the TLS layer of a TDS connection failed. */
export class TransportError extends GatehouseError {
  declare readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
