import { GatehouseError } from '@gatehouse/core';

/**
 * Stable codes for everything the MySQL codec can refuse. Callers branch on these, never on the
 * message text, so the text is free to be as specific as it needs to be for a human.
 */
export const ProtocolErrorCode = {
  /** A packet announces more bytes than the configured maximum; raised from the header, before buffering. */
  PacketTooLarge: 'MYSQL_PACKET_TOO_LARGE',
  /** A packet's sequence id is not the one the conversation expects. */
  SequenceMismatch: 'MYSQL_SEQUENCE_MISMATCH',
  /** The inner structure of a packet is truncated, overlong or otherwise inconsistent. */
  Malformed: 'MYSQL_MALFORMED_PACKET',
  /** Text that must be UTF-8 (SQL, names) is not. */
  InvalidUtf8: 'MYSQL_INVALID_UTF8',
  /** A well-formed packet the current state of the conversation does not allow. */
  UnexpectedPacket: 'MYSQL_UNEXPECTED_PACKET',
  /** An encoder was given a value the wire format cannot carry. */
  Unencodable: 'MYSQL_UNENCODABLE',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** The MySQL wire protocol was violated (by the peer when decoding, by the caller when encoding). */
export class ProtocolError extends GatehouseError {
  declare readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Stable codes for upstream authentication failures. */
export const UpstreamAuthErrorCode = {
  /** The server asked for an authentication plugin the gateway does not implement. */
  UnsupportedPlugin: 'MYSQL_UPSTREAM_AUTH_UNSUPPORTED',
  /** The server's authentication message is malformed or arrives out of order. */
  BadExchange: 'MYSQL_UPSTREAM_AUTH_BAD_EXCHANGE',
  /** A cleartext password would cross an unencrypted connection. */
  CleartextRefused: 'MYSQL_UPSTREAM_CLEARTEXT_REFUSED',
  /** The server's RSA public key could not be used. */
  BadPublicKey: 'MYSQL_UPSTREAM_BAD_PUBLIC_KEY',
} as const;
export type UpstreamAuthErrorCode = (typeof UpstreamAuthErrorCode)[keyof typeof UpstreamAuthErrorCode];

/** Authenticating the gateway to the upstream MySQL/MariaDB server failed. */
export class UpstreamAuthError extends GatehouseError {
  declare readonly code: UpstreamAuthErrorCode;

  constructor(code: UpstreamAuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
