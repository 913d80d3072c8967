import type { TypeInfo } from '../data-types.js';
import type { ValueRange } from '../value-layout.js';

/** Token bytes (MS-TDS 2.2.7). */
export const TokenType = {
  AltMetadata: 0x88,
  AltRow: 0xd3,
  ColInfo: 0xa5,
  ColMetadata: 0x81,
  DataClassification: 0xa3,
  Done: 0xfd,
  DoneInProc: 0xff,
  DoneProc: 0xfe,
  EnvChange: 0xe3,
  Error: 0xaa,
  FeatureExtAck: 0xae,
  FedAuthInfo: 0xee,
  Info: 0xab,
  LoginAck: 0xad,
  NbcRow: 0xd2,
  Offset: 0x78,
  Order: 0xa9,
  ReturnStatus: 0x79,
  ReturnValue: 0xac,
  Row: 0xd1,
  SessionState: 0xe4,
  Sspi: 0xed,
  TabName: 0xa4,
} as const;

/** DONE / DONEPROC / DONEINPROC status bits. */
export const DoneStatus = {
  Final: 0x0000,
  More: 0x0001,
  Error: 0x0002,
  InTransaction: 0x0004,
  Count: 0x0010,
  Attention: 0x0020,
  ServerError: 0x0100,
} as const;

/** COLMETADATA column flags. */
export const ColumnFlag = {
  Nullable: 0x0001,
  CaseSensitive: 0x0002,
  Identity: 0x0010,
  Computed: 0x0020,
  FixedLenClrType: 0x0100,
  SparseColumnSet: 0x0400,
  Encrypted: 0x0800,
  Hidden: 0x2000,
  Key: 0x4000,
  NullableUnknown: 0x8000,
} as const;

/** ENVCHANGE types. */
export const EnvChangeType = {
  Database: 1,
  Language: 2,
  CharacterSet: 3,
  PacketSize: 4,
  UnicodeSortId: 5,
  UnicodeComparisonStyle: 6,
  Collation: 7,
  BeginTransaction: 8,
  CommitTransaction: 9,
  RollbackTransaction: 10,
  EnlistDtcTransaction: 11,
  DefectTransaction: 12,
  DatabaseMirroringPartner: 13,
  PromoteTransaction: 15,
  TransactionManagerAddress: 16,
  TransactionEnded: 17,
  ResetConnectionAck: 18,
  UserInstanceName: 19,
  Routing: 20,
} as const;

export interface ColumnMetadata {
  readonly userType: number;
  readonly flags: number;
  readonly typeInfo: TypeInfo;
  /** text/ntext/image only: the multi-part table name. */
  readonly tableName?: readonly string[];
  readonly name: string;
}

interface Raw {
  /** The token's bytes, type byte included: forward these when nothing changes. */
  readonly raw: Buffer;
}

export interface ColMetadataToken extends Raw {
  readonly kind: 'colmetadata';
  /** Empty with `noMetadata` when the server sent 0xFFFF (reuse metadata / no columns). */
  readonly columns: readonly ColumnMetadata[];
  readonly noMetadata: boolean;
}

export interface RowToken extends Raw {
  readonly kind: 'row' | 'nbcrow';
  /** One range per column, offsets relative to `raw`. */
  readonly values: readonly ValueRange[];
}

export interface DoneToken extends Raw {
  readonly kind: 'done' | 'doneproc' | 'doneinproc';
  readonly status: number;
  readonly curCmd: number;
  readonly rowCount: bigint;
}

export interface MessageToken extends Raw {
  readonly kind: 'error' | 'info';
  readonly number: number;
  readonly state: number;
  readonly class: number;
  readonly message: string;
  readonly serverName: string;
  readonly procName: string;
  readonly lineNumber: number;
}

export interface RoutingData {
  readonly protocol: number;
  readonly port: number;
  readonly server: string;
}

export interface EnvChangeToken extends Raw {
  readonly kind: 'envchange';
  readonly type: number;
  /** Strings for the B_VARCHAR types, bytes for the binary ones. */
  readonly newValue: string | Buffer;
  readonly oldValue: string | Buffer;
  readonly routing?: RoutingData;
}

export interface LoginAckToken extends Raw {
  readonly kind: 'loginack';
  readonly interface: number;
  /** The TDS version the server speaks (big-endian on the wire here, unlike LOGIN7). */
  readonly tdsVersion: number;
  readonly progName: string;
  readonly progVersion: { readonly major: number; readonly minor: number; readonly buildHi: number; readonly buildLow: number };
}

export interface OrderToken extends Raw {
  readonly kind: 'order';
  readonly columns: readonly number[];
}

export interface ReturnStatusToken extends Raw {
  readonly kind: 'returnstatus';
  readonly value: number;
}

export interface ReturnValueToken extends Raw {
  readonly kind: 'returnvalue';
  readonly ordinal: number;
  readonly name: string;
  readonly status: number;
  readonly userType: number;
  readonly flags: number;
  readonly typeInfo: TypeInfo;
  /** Offsets relative to `raw`. */
  readonly value: ValueRange;
}

export interface FeatureExtAckToken extends Raw {
  readonly kind: 'featureextack';
  readonly features: readonly { readonly id: number; readonly data: Buffer }[];
}

export interface FedAuthInfoToken extends Raw {
  readonly kind: 'fedauthinfo';
  readonly stsUrl?: string;
  readonly spn?: string;
  readonly options: readonly { readonly id: number; readonly data: Buffer }[];
}

/** Tokens the codec frames but does not interpret (SSPI, TABNAME, COLINFO, SESSIONSTATE, …). */
export interface OpaqueToken extends Raw {
  readonly kind: 'opaque';
  readonly type: number;
  readonly data: Buffer;
}

export type Token =
  | ColMetadataToken
  | RowToken
  | DoneToken
  | MessageToken
  | EnvChangeToken
  | LoginAckToken
  | OrderToken
  | ReturnStatusToken
  | ReturnValueToken
  | FeatureExtAckToken
  | FedAuthInfoToken
  | OpaqueToken;

/** State a token parser needs: the current result set's columns (for ROW/NBCROW). */
export interface TokenContext {
  columns: readonly ColumnMetadata[] | undefined;
  /** Cap on one value's bytes. */
  readonly maxValueBytes: number;
  /**
   * Set by a parser that ran short: the absolute buffer position it needs to reach. The streaming
   * reader waits for that many bytes instead of retrying on every packet (linear, not quadratic).
   */
  needed: number;
}

export interface TokenResult {
  readonly token: Token;
  /** Offset just past the token. */
  readonly next: number;
}
