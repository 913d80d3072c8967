// Test-only: realistic token streams built with the codec's encoders.
import { DataType, DEFAULT_COLLATION, MAX_LENGTH_PLP } from '../protocol/data-types.js';
import { encodeColMetadata } from '../protocol/tokens/colmetadata.js';
import { encodeDone } from '../protocol/tokens/done.js';
import { encodeEnvChangeBytes, encodeEnvChangeString, encodeRoutingEnvChange } from '../protocol/tokens/envchange.js';
import { encodeMessageToken } from '../protocol/tokens/error-info.js';
import { encodeLoginAck } from '../protocol/tokens/loginack.js';
import { encodeFeatureExtAck, encodeFedAuthInfo, encodeOrder, encodeReturnStatus, encodeReturnValue } from '../protocol/tokens/misc.js';
import { encodeNbcRow, encodeRow } from '../protocol/tokens/row.js';
import { ColumnFlag, DoneStatus, EnvChangeType, TokenType } from '../protocol/tokens/token-types.js';
import type { ColumnMetadata } from '../protocol/tokens/token-types.js';
import type { TdsValue } from '../protocol/values.js';

const N = ColumnFlag.Nullable;

/** One column of every type the issue names. */
export const SAMPLE_COLUMNS: readonly ColumnMetadata[] = [
  { userType: 0, flags: 0, typeInfo: { type: DataType.Int }, name: 'id' },
  { userType: 0, flags: N, typeInfo: { type: DataType.IntN, length: 8 }, name: 'big' },
  { userType: 0, flags: N, typeInfo: { type: DataType.IntN, length: 2 }, name: 'small' },
  { userType: 0, flags: N, typeInfo: { type: DataType.IntN, length: 1 }, name: 'tiny' },
  { userType: 0, flags: N, typeInfo: { type: DataType.BitN, length: 1 }, name: 'flag' },
  { userType: 0, flags: N, typeInfo: { type: DataType.DecimalN, length: 9, precision: 18, scale: 2 }, name: 'amount' },
  { userType: 0, flags: N, typeInfo: { type: DataType.FloatN, length: 8 }, name: 'ratio' },
  { userType: 0, flags: N, typeInfo: { type: DataType.FloatN, length: 4 }, name: 'real' },
  { userType: 0, flags: N, typeInfo: { type: DataType.MoneyN, length: 8 }, name: 'price' },
  { userType: 0, flags: N, typeInfo: { type: DataType.NVarChar, length: 100, collation: DEFAULT_COLLATION }, name: 'email' },
  { userType: 0, flags: N, typeInfo: { type: DataType.BigVarChar, length: 50, collation: DEFAULT_COLLATION }, name: 'code' },
  { userType: 0, flags: N, typeInfo: { type: DataType.NChar, length: 8, collation: DEFAULT_COLLATION }, name: 'fixed' },
  { userType: 0, flags: N, typeInfo: { type: DataType.NVarChar, length: MAX_LENGTH_PLP, collation: DEFAULT_COLLATION }, name: 'notes' },
  { userType: 0, flags: N, typeInfo: { type: DataType.BigVarChar, length: MAX_LENGTH_PLP, collation: DEFAULT_COLLATION }, name: 'blob_text' },
  { userType: 0, flags: N, typeInfo: { type: DataType.NText, length: 0x7ffffffe, collation: DEFAULT_COLLATION }, tableName: ['dbo', 'people'], name: 'legacy' },
  { userType: 0, flags: N, typeInfo: { type: DataType.DateTimeN, length: 8 }, name: 'created' },
  { userType: 0, flags: N, typeInfo: { type: DataType.DateTime2, scale: 7 }, name: 'updated' },
  { userType: 0, flags: N, typeInfo: { type: DataType.Date }, name: 'born' },
  { userType: 0, flags: N, typeInfo: { type: DataType.Time, scale: 3 }, name: 'at' },
  { userType: 0, flags: N, typeInfo: { type: DataType.DateTimeOffset, scale: 7 }, name: 'seen' },
  { userType: 0, flags: N, typeInfo: { type: DataType.Guid, length: 16 }, name: 'uid' },
  { userType: 0, flags: N, typeInfo: { type: DataType.BigVarBinary, length: 16 }, name: 'hash' },
  { userType: 0, flags: N, typeInfo: { type: DataType.BigVarBinary, length: MAX_LENGTH_PLP }, name: 'doc' },
];

export const SAMPLE_ROW: readonly TdsValue[] = [
  42,
  9007199254740993n,
  -12,
  255,
  true,
  '-1234567.89',
  3.25,
  1.5,
  '12.3400',
  'ada@example.com',
  'ABC-123',
  'fixed   ',
  'x'.repeat(9000),
  'plain text',
  'old ntext value',
  '2024-02-29 13:14:15.123',
  '2024-02-29 13:14:15.1234567',
  '1815-12-10',
  '23:59:59.999',
  '2024-02-29 13:14:15.1234567 +05:30',
  '6F9619FF-8B86-D011-B42D-00C04FC964FF',
  Buffer.from('00112233445566778899aabbccddeeff', 'hex'),
  Buffer.alloc(20000, 7),
];

export const SAMPLE_NULL_ROW: readonly TdsValue[] = SAMPLE_COLUMNS.map((_, i) => (i === 0 ? 7 : null));

/** A login response: LOGINACK, ENVCHANGEs, INFO, FEATUREEXTACK, DONE. */
export function loginResponse(): Buffer {
  return Buffer.concat([
    encodeEnvChangeString(EnvChangeType.Database, 'master', ''),
    encodeMessageToken('info', { number: 5701, class: 0, message: "Changed database context to 'master'.", serverName: 'tds-test', procName: '' }),
    encodeEnvChangeBytes(EnvChangeType.Collation, DEFAULT_COLLATION, Buffer.alloc(0)),
    encodeEnvChangeString(EnvChangeType.Language, 'us_english', ''),
    encodeLoginAck({ progName: 'Microsoft SQL Server' }),
    encodeEnvChangeString(EnvChangeType.PacketSize, '8192', '4096'),
    encodeFeatureExtAck([{ id: 0x0a, data: Buffer.from([1]) }]),
    encodeDone({ status: DoneStatus.Final }),
  ]);
}

/** A SELECT response: COLMETADATA, a ROW, an NBCROW, ORDER, DONE with count. */
export function selectResponse(): Buffer {
  return Buffer.concat([
    encodeColMetadata(SAMPLE_COLUMNS),
    encodeOrder([1]),
    encodeRow(SAMPLE_COLUMNS, SAMPLE_ROW),
    encodeNbcRow(SAMPLE_COLUMNS, SAMPLE_NULL_ROW),
    encodeRow(SAMPLE_COLUMNS, SAMPLE_NULL_ROW.map((v, i) => (SAMPLE_COLUMNS[i]!.typeInfo.type === DataType.Int ? v : null))),
    encodeDone({ status: DoneStatus.Count, curCmd: 0xc1, rowCount: 3 }),
  ]);
}

/** An RPC response: rows, DONEINPROC, RETURNVALUE, RETURNSTATUS, DONEPROC, then an error batch. */
export function rpcResponse(): Buffer {
  const cols = SAMPLE_COLUMNS.slice(0, 3);
  return Buffer.concat([
    encodeColMetadata(cols),
    encodeRow(cols, [1, 2n, 3]),
    encodeDone({ status: DoneStatus.Count | DoneStatus.More, rowCount: 1 }, TokenType.DoneInProc),
    encodeReturnValue({ ordinal: 0, name: '@handle', typeInfo: { type: DataType.IntN, length: 4 }, value: 7 }),
    encodeReturnStatus(0),
    encodeDone({ status: DoneStatus.Final }, TokenType.DoneProc),
    encodeMessageToken('error', { number: 229, class: 14, state: 5, message: 'The SELECT permission was denied', serverName: 'gw', procName: '', lineNumber: 1 }),
    encodeDone({ status: DoneStatus.Error | DoneStatus.Attention }),
    encodeRoutingEnvChange({ protocol: 0, port: 1433, server: 'replica.example' }),
    encodeFedAuthInfo({ stsUrl: 'https://login.example/', spn: 'https://database.example/' }),
    encodeDone(),
  ]);
}
