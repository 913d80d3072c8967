import { GatehouseError } from '@gatehouse/core';

/**
 * Stable codes for everything the PostgreSQL codec can refuse. Callers branch on these, never on the
 * message text, so the text is free to be as specific as it needs to be for a human.
 */
export const ProtocolErrorCode = {
  /** A length field below its minimum (4 for typed messages, 8 for startup packets) or not matching a fixed-size message. */
  BadLength: 'PG_BAD_LENGTH',
  /** A length field above the configured cap; raised from the header, before the body is buffered. */
  MessageTooLarge: 'PG_MESSAGE_TOO_LARGE',
  /** A message code (or startup request code) that this direction/phase does not allow. */
  UnknownMessage: 'PG_UNKNOWN_MESSAGE',
  /** The inner structure of a message is truncated, overlong or otherwise inconsistent. */
  Malformed: 'PG_MALFORMED_MESSAGE',
  /** Text that must be UTF-8 is not. */
  InvalidUtf8: 'PG_INVALID_UTF8',
  /** A well-formed message that the current state of the conversation does not allow (e.g. Query before authentication). */
  UnexpectedMessage: 'PG_UNEXPECTED_MESSAGE',
  /** Bytes arrived where none may (after a CancelRequest, or while an encryption answer is pending). */
  UnexpectedData: 'PG_UNEXPECTED_DATA',
  /** A decoder was handed a frame of another message type — a bug in the caller. */
  WrongFrame: 'PG_WRONG_FRAME',
  /** An encoder was given a value the wire format cannot carry (NUL in a string, int out of range). */
  Unencodable: 'PG_UNENCODABLE',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** The PostgreSQL wire protocol was violated (by the peer when decoding, by the caller when encoding). */
export class ProtocolError extends GatehouseError {
  declare readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Stable codes for upstream authentication failures. */
export const UpstreamAuthErrorCode = {
  /** The server's SCRAM message is malformed or inconsistent with ours (nonce, salt, iterations). */
  ScramProtocol: 'PG_SCRAM_PROTOCOL',
  /** The server could not prove it knows the password: possible man-in-the-middle. */
  ScramServerSignature: 'PG_SCRAM_SERVER_SIGNATURE',
  /** The server ended the exchange with `e=<reason>`. */
  ScramServerError: 'PG_SCRAM_SERVER_ERROR',
  /** The server offered no SASL mechanism we can use. */
  NoSupportedMechanism: 'PG_SASL_NO_MECHANISM',
  /** A SCRAM call came out of order (e.g. proof requested before client-first). */
  ScramState: 'PG_SCRAM_STATE',
  /** The upstream asked for a cleartext password over an unencrypted connection. */
  CleartextRefused: 'PG_UPSTREAM_CLEARTEXT_REFUSED',
  /** The upstream asked for a method the gateway does not implement or does not allow (GSS, SSPI, …). */
  UnsupportedMethod: 'PG_UPSTREAM_AUTH_UNSUPPORTED',
  /** The upstream's MD5 request is malformed. */
  BadRequest: 'PG_UPSTREAM_AUTH_BAD_REQUEST',
} as const;
export type UpstreamAuthErrorCode = (typeof UpstreamAuthErrorCode)[keyof typeof UpstreamAuthErrorCode];

/** Authenticating the gateway to the upstream PostgreSQL server failed. */
export class UpstreamAuthError extends GatehouseError {
  declare readonly code: UpstreamAuthErrorCode;

  constructor(code: UpstreamAuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
