/**
 * Message codes of the PostgreSQL frontend/backend protocol 3.x, as byte values. The same letter means
 * different messages in each direction ('D' is Describe from a client and DataRow from a server), so the
 * two directions get separate tables and a code only means something together with its direction.
 */

/** Typed messages a client (frontend) sends after the startup packet. */
export const FrontendCode = {
  Query: 0x51, // 'Q'
  Parse: 0x50, // 'P'
  Bind: 0x42, // 'B'
  Describe: 0x44, // 'D'
  Execute: 0x45, // 'E'
  Sync: 0x53, // 'S'
  Flush: 0x48, // 'H'
  Close: 0x43, // 'C'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  CopyFail: 0x66, // 'f'
  FunctionCall: 0x46, // 'F'
  Terminate: 0x58, // 'X'
  /** PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse share 'p'; the auth state says which. */
  PasswordMessage: 0x70, // 'p'
  /** Same code as PasswordMessage, under the name that does not suggest a password is inside. */
  AuthResponse: 0x70, // 'p'
} as const;
export type FrontendCode = (typeof FrontendCode)[keyof typeof FrontendCode];

/** Typed messages a server (backend) sends. */
export const BackendCode = {
  Authentication: 0x52, // 'R'
  BackendKeyData: 0x4b, // 'K'
  ParameterStatus: 0x53, // 'S'
  ReadyForQuery: 0x5a, // 'Z'
  RowDescription: 0x54, // 'T'
  DataRow: 0x44, // 'D'
  CommandComplete: 0x43, // 'C'
  ErrorResponse: 0x45, // 'E'
  NoticeResponse: 0x4e, // 'N'
  NotificationResponse: 0x41, // 'A'
  ParseComplete: 0x31, // '1'
  BindComplete: 0x32, // '2'
  CloseComplete: 0x33, // '3'
  NoData: 0x6e, // 'n'
  PortalSuspended: 0x73, // 's'
  ParameterDescription: 0x74, // 't'
  EmptyQueryResponse: 0x49, // 'I'
  CopyInResponse: 0x47, // 'G'
  CopyOutResponse: 0x48, // 'H'
  CopyBothResponse: 0x57, // 'W'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  FunctionCallResponse: 0x56, // 'V'
  NegotiateProtocolVersion: 0x76, // 'v'
} as const;
export type BackendCode = (typeof BackendCode)[keyof typeof BackendCode];

/**
 * Request codes of the untyped startup packets (Int32 length + Int32 code). The special requests use
 * major version 1234, which no real protocol version will ever have; a StartupMessage carries the
 * protocol version itself (major << 16 | minor).
 */
export const StartupRequestCode = {
  ProtocolVersion3_0: 196608, // 3 << 16 | 0
  ProtocolVersion3_2: 196610, // 3 << 16 | 2 (PostgreSQL 18: variable-length cancel keys)
  CancelRequest: 80877102, // 1234 << 16 | 5678
  SSLRequest: 80877103, // 1234 << 16 | 5679
  GSSENCRequest: 80877104, // 1234 << 16 | 5680
} as const;
export type StartupRequestCode = (typeof StartupRequestCode)[keyof typeof StartupRequestCode];

/** Subtypes of the backend Authentication ('R') message (the Int32 after the length). */
export const AuthenticationType = {
  Ok: 0,
  KerberosV5: 2,
  CleartextPassword: 3,
  MD5Password: 5,
  GSS: 7,
  GSSContinue: 8,
  SSPI: 9,
  SASL: 10,
  SASLContinue: 11,
  SASLFinal: 12,
} as const;
export type AuthenticationType = (typeof AuthenticationType)[keyof typeof AuthenticationType];

/** Single-byte answers a server gives to SSLRequest / GSSENCRequest. */
export const EncryptionResponseCode = {
  SSLAccepted: 0x53, // 'S'
  GSSAccepted: 0x47, // 'G'
  Refused: 0x4e, // 'N'
} as const;
export type EncryptionResponseCode = (typeof EncryptionResponseCode)[keyof typeof EncryptionResponseCode];

/** Transaction status carried by ReadyForQuery ('Z'). */
export const TransactionStatus = {
  Idle: 'I',
  InTransaction: 'T',
  Failed: 'E',
} as const;
export type TransactionStatus = (typeof TransactionStatus)[keyof typeof TransactionStatus];

/** Field type letters of ErrorResponse ('E') and NoticeResponse ('N'). */
export const ErrorField = {
  Severity: 'S', // localized
  SeverityNonLocalized: 'V',
  Code: 'C', // SQLSTATE
  Message: 'M',
  Detail: 'D',
  Hint: 'H',
  Position: 'P',
  InternalPosition: 'p',
  InternalQuery: 'q',
  Where: 'W',
  Schema: 's',
  Table: 't',
  Column: 'c',
  DataType: 'd',
  Constraint: 'n',
  File: 'F',
  Line: 'L',
  Routine: 'R',
} as const;
export type ErrorField = (typeof ErrorField)[keyof typeof ErrorField];

/** Column/parameter format codes. */
export const FormatCode = {
  Text: 0,
  Binary: 1,
} as const;
export type FormatCode = (typeof FormatCode)[keyof typeof FormatCode];

/** Printable form of a message code for error messages: `'Q' (0x51)`. */
export function describeCode(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`;
  return code >= 0x20 && code < 0x7f ? `'${String.fromCharCode(code)}' (${hex})` : hex;
}
