/**
 * Numbers of the MySQL client/server protocol (include/mysql_com.h, field_types.h), named as the
 * server names them so the code reads against the manual.
 */

/** Capability flags (32 bits in HandshakeResponse41; MariaDB's extended flags live elsewhere). */
export const Capability = {
  LONG_PASSWORD: 0x1,
  FOUND_ROWS: 0x2,
  LONG_FLAG: 0x4,
  CONNECT_WITH_DB: 0x8,
  NO_SCHEMA: 0x10,
  COMPRESS: 0x20,
  ODBC: 0x40,
  LOCAL_FILES: 0x80,
  IGNORE_SPACE: 0x100,
  PROTOCOL_41: 0x200,
  INTERACTIVE: 0x400,
  SSL: 0x800,
  IGNORE_SIGPIPE: 0x1000,
  TRANSACTIONS: 0x2000,
  RESERVED: 0x4000,
  SECURE_CONNECTION: 0x8000,
  MULTI_STATEMENTS: 0x10000,
  MULTI_RESULTS: 0x20000,
  PS_MULTI_RESULTS: 0x40000,
  PLUGIN_AUTH: 0x80000,
  CONNECT_ATTRS: 0x100000,
  PLUGIN_AUTH_LENENC_CLIENT_DATA: 0x200000,
  CAN_HANDLE_EXPIRED_PASSWORDS: 0x400000,
  SESSION_TRACK: 0x800000,
  DEPRECATE_EOF: 0x1000000,
  OPTIONAL_RESULTSET_METADATA: 0x2000000,
  ZSTD_COMPRESSION: 0x4000000,
  QUERY_ATTRIBUTES: 0x8000000,
} as const;

/**
 * What the gateway implements and so may offer a client (and ask of the upstream). Everything that
 * changes a packet's layout and is not implemented is absent: compression, query attributes
 * (changes COM_QUERY), optional result-set metadata, and MariaDB's extended flags (metadata cache,
 * extended type info, bulk operations) which travel in the greeting's reserved bytes and are always 0.
 * MySQL negotiates by intersection, so a capability the upstream lacks is also withheld from the client.
 */
export const GATEWAY_CAPABILITIES =
  Capability.LONG_PASSWORD |
  Capability.FOUND_ROWS |
  Capability.LONG_FLAG |
  Capability.CONNECT_WITH_DB |
  Capability.LOCAL_FILES |
  Capability.IGNORE_SPACE |
  Capability.PROTOCOL_41 |
  Capability.INTERACTIVE |
  Capability.SSL |
  Capability.IGNORE_SIGPIPE |
  Capability.TRANSACTIONS |
  Capability.RESERVED |
  Capability.SECURE_CONNECTION |
  Capability.MULTI_STATEMENTS |
  Capability.MULTI_RESULTS |
  Capability.PS_MULTI_RESULTS |
  Capability.PLUGIN_AUTH |
  Capability.CONNECT_ATTRS |
  Capability.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  Capability.SESSION_TRACK |
  Capability.DEPRECATE_EOF;

/** Capabilities a client must have for the gateway to talk to it at all (pre-4.1 protocol is refused). */
export const REQUIRED_CLIENT_CAPABILITIES = Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION;

/** Server status flags (OK/EOF packets). */
export const ServerStatus = {
  IN_TRANS: 0x1,
  AUTOCOMMIT: 0x2,
  MORE_RESULTS_EXISTS: 0x8,
  NO_GOOD_INDEX_USED: 0x10,
  NO_INDEX_USED: 0x20,
  CURSOR_EXISTS: 0x40,
  LAST_ROW_SENT: 0x80,
  DB_DROPPED: 0x100,
  NO_BACKSLASH_ESCAPES: 0x200,
  METADATA_CHANGED: 0x400,
  QUERY_WAS_SLOW: 0x800,
  PS_OUT_PARAMS: 0x1000,
  IN_TRANS_READONLY: 0x2000,
  SESSION_STATE_CHANGED: 0x4000,
} as const;

/** Command bytes (the first byte of a client command packet). */
export const Command = {
  SLEEP: 0x00,
  QUIT: 0x01,
  INIT_DB: 0x02,
  QUERY: 0x03,
  FIELD_LIST: 0x04,
  CREATE_DB: 0x05,
  DROP_DB: 0x06,
  REFRESH: 0x07,
  SHUTDOWN: 0x08,
  STATISTICS: 0x09,
  PROCESS_INFO: 0x0a,
  CONNECT: 0x0b,
  PROCESS_KILL: 0x0c,
  DEBUG: 0x0d,
  PING: 0x0e,
  TIME: 0x0f,
  DELAYED_INSERT: 0x10,
  CHANGE_USER: 0x11,
  BINLOG_DUMP: 0x12,
  TABLE_DUMP: 0x13,
  CONNECT_OUT: 0x14,
  REGISTER_SLAVE: 0x15,
  STMT_PREPARE: 0x16,
  STMT_EXECUTE: 0x17,
  STMT_SEND_LONG_DATA: 0x18,
  STMT_CLOSE: 0x19,
  STMT_RESET: 0x1a,
  SET_OPTION: 0x1b,
  STMT_FETCH: 0x1c,
  DAEMON: 0x1d,
  BINLOG_DUMP_GTID: 0x1e,
  RESET_CONNECTION: 0x1f,
  /** MariaDB: COM_STMT_BULK_EXECUTE (only with its extended capability, which the gateway never grants). */
  STMT_BULK_EXECUTE: 0xfa,
} as const;
export type Command = (typeof Command)[keyof typeof Command];

/** A readable name for a command byte, for logs and errors. */
export function commandName(code: number): string {
  for (const [name, value] of Object.entries(Command)) if (value === code) return `COM_${name}`;
  return `command 0x${code.toString(16).padStart(2, '0')}`;
}

/** Column types (enum_field_types). */
export const ColumnType = {
  DECIMAL: 0x00,
  TINY: 0x01,
  SHORT: 0x02,
  LONG: 0x03,
  FLOAT: 0x04,
  DOUBLE: 0x05,
  NULL: 0x06,
  TIMESTAMP: 0x07,
  LONGLONG: 0x08,
  INT24: 0x09,
  DATE: 0x0a,
  TIME: 0x0b,
  DATETIME: 0x0c,
  YEAR: 0x0d,
  NEWDATE: 0x0e,
  VARCHAR: 0x0f,
  BIT: 0x10,
  TIMESTAMP2: 0x11,
  DATETIME2: 0x12,
  TIME2: 0x13,
  TYPED_ARRAY: 0x14,
  VECTOR: 0xf2,
  INVALID: 0xf3,
  BOOL: 0xf4,
  JSON: 0xf5,
  NEWDECIMAL: 0xf6,
  ENUM: 0xf7,
  SET: 0xf8,
  TINY_BLOB: 0xf9,
  MEDIUM_BLOB: 0xfa,
  LONG_BLOB: 0xfb,
  BLOB: 0xfc,
  VAR_STRING: 0xfd,
  STRING: 0xfe,
  GEOMETRY: 0xff,
} as const;

/** Column definition flags. */
export const ColumnFlag = {
  NOT_NULL: 0x1,
  PRI_KEY: 0x2,
  UNIQUE_KEY: 0x4,
  MULTIPLE_KEY: 0x8,
  BLOB: 0x10,
  UNSIGNED: 0x20,
  ZEROFILL: 0x40,
  BINARY: 0x80,
} as const;

/** The character set number of `binary` (bytes, not text). */
export const BINARY_CHARSET = 63;
/** utf8mb4_general_ci: the gateway's greeting collation and its upstream default. */
export const UTF8MB4_GENERAL_CI = 45;

/** First bytes that identify a response packet. */
export const OK_HEADER = 0x00;
export const EOF_HEADER = 0xfe;
export const ERR_HEADER = 0xff;
export const LOCAL_INFILE_HEADER = 0xfb;
/** AuthMoreData (caching_sha2_password and friends). */
export const AUTH_MORE_DATA_HEADER = 0x01;
/** AuthSwitchRequest shares 0xfe with EOF; it is told apart by the phase (authentication). */
export const AUTH_SWITCH_HEADER = 0xfe;

/** The largest payload one physical packet carries; a payload of exactly this size continues in the next. */
export const MAX_PACKET_CHUNK = 0xffffff;

/** Server error numbers the gateway itself uses (errmsg-utf8.txt). */
export const ErrorCode = {
  ACCESS_DENIED: 1045,
  UNKNOWN_COM: 1047,
  SERVER_SHUTDOWN: 1053,
  NET_PACKET_TOO_LARGE: 1153,
  NET_READ_ERROR: 1158,
  NET_PACKETS_OUT_OF_ORDER: 1156,
  UNKNOWN_ERROR: 1105,
  TABLEACCESS_DENIED: 1142,
  NOT_SUPPORTED_YET: 1235,
  UNKNOWN_STMT_HANDLER: 1243,
  STMT_HAS_NO_OPEN_CURSOR: 1421,
  QUERY_INTERRUPTED: 1317,
  NO_SUCH_THREAD: 1094,
  SECURE_TRANSPORT_REQUIRED: 3159,
  BAD_DB: 1049,
} as const;
