import { ProtocolError, ProtocolErrorCode } from '../errors.js';

/** TDS versions as LOGIN7 carries them (little-endian DWORD). */
export const TdsVersion = {
  V7_4: 0x74000004,
  /** TDS 8 uses 7.4's LOGIN7 version inside TLS; the value marks the protocol revision. */
  V8_0: 0x08000000,
} as const;

/** LOGIN7 FeatureExt ids (MS-TDS 2.2.6.4). */
export const FeatureId = {
  SessionRecovery: 0x01,
  FedAuth: 0x02,
  ColumnEncryption: 0x04,
  GlobalTransactions: 0x05,
  AzureSqlSupport: 0x08,
  DataClassification: 0x09,
  Utf8Support: 0x0a,
  AzureSqlDnsCaching: 0x0b,
  Terminator: 0xff,
} as const;

/** FEDAUTH libraries (bits 1..7 of the FEDAUTH options byte). */
export const FedAuthLibrary = {
  LiveId: 0x00,
  SecurityToken: 0x01,
  /** ADAL / MSAL workflows, where the server answers FEDAUTHINFO and the client sends a token later. */
  Adal: 0x02,
} as const;

/** OptionFlags3 bit: the ibExtension field points at a FeatureExt block. */
export const OPTION_FLAGS3_EXTENSION = 0x10;
/** OptionFlags2 bit: integrated (SSPI) security. */
export const OPTION_FLAGS2_INTEGRATED_SECURITY = 0x80;

export interface FeatureExt {
  readonly id: number;
  readonly data: Buffer;
}

export interface FedAuthFeature {
  readonly library: number;
  readonly echo: boolean;
  /** SECURITYTOKEN: the token bytes as sent (tedious and SqlClient send UTF-16LE). */
  readonly token?: Buffer;
  readonly nonce?: Buffer;
  /** ADAL: the workflow byte (1 user/password, 2 integrated). */
  readonly workflow?: number;
}

export interface Login7 {
  readonly tdsVersion: number;
  readonly packetSize: number;
  readonly clientProgVer: number;
  readonly clientPid: number;
  readonly connectionId: number;
  readonly optionFlags1: number;
  readonly optionFlags2: number;
  readonly typeFlags: number;
  readonly optionFlags3: number;
  readonly clientTimeZone: number;
  readonly clientLcid: number;
  readonly hostName: string;
  readonly userName: string;
  /** De-obfuscated. A secret: never log it. */
  readonly password: string;
  readonly appName: string;
  readonly serverName: string;
  readonly clientInterfaceName: string;
  readonly language: string;
  readonly database: string;
  readonly clientId: Buffer;
  readonly sspi: Buffer;
  readonly attachDbFile: string;
  /** De-obfuscated. A secret: never log it. */
  readonly changePassword: string;
  readonly features: readonly FeatureExt[];
  readonly fedAuth?: FedAuthFeature;
}

const FIXED = 94;
/** Field table: the offset of each ib/cch pair in the fixed part, in data order. */
const FIELDS = {
  hostName: 36,
  userName: 40,
  password: 44,
  appName: 48,
  serverName: 52,
  extension: 56,
  clientInterfaceName: 60,
  language: 64,
  database: 68,
  sspi: 78,
  attachDbFile: 82,
  changePassword: 86,
} as const;

/**
 * SQL Server caps every LOGIN7 string at 128 characters (260 for AtchDBFile). The password is the
 * exception here: the gateway receives identity tokens in that slot (JWTs are several hundred
 * characters), so it accepts up to 4096 — still far below what the USHORT length could claim.
 */
const MAX_CHARS: Record<string, number> = { password: 4096, changePassword: 128, attachDbFile: 260 };

/** LOGIN7 password obfuscation: swap each byte's nibbles, then XOR 0xA5 (MS-TDS 2.2.6.4). */
export function obfuscatePassword(ucs2: Buffer): Buffer {
  const out = Buffer.allocUnsafe(ucs2.length);
  for (let i = 0; i < ucs2.length; i++) {
    const b = ucs2[i]!;
    out[i] = (((b << 4) & 0xf0) | (b >> 4)) ^ 0xa5;
  }
  return out;
}

export function deobfuscatePassword(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]! ^ 0xa5;
    out[i] = ((b << 4) & 0xf0) | (b >> 4);
  }
  return out;
}

function fail(problem: string): never {
  throw new ProtocolError(ProtocolErrorCode.Malformed, `LOGIN7: ${problem}`);
}

/** Decodes a LOGIN7 payload; every offset/length pair is checked against the message. */
export function decodeLogin7(payload: Buffer): Login7 {
  if (payload.length < FIXED) fail(`payload is ${payload.length} bytes; the fixed part alone is ${FIXED}`);
  const length = payload.readUInt32LE(0);
  if (length !== payload.length) fail(`Length field says ${length} bytes but the message carries ${payload.length}`);
  const range = (at: number, name: string, unit: 1 | 2): Buffer => {
    const ib = payload.readUInt16LE(at);
    const cch = payload.readUInt16LE(at + 2);
    const bytes = cch * unit;
    if (cch === 0) return Buffer.alloc(0);
    const limit = MAX_CHARS[name] ?? 128;
    if (unit === 2 && cch > limit) fail(`${name} is ${cch} characters; at most ${limit}`);
    if (ib < FIXED || ib + bytes > payload.length) fail(`${name} (${ib}+${bytes}) lies outside the variable part`);
    return payload.subarray(ib, ib + bytes);
  };
  const text = (at: number, name: string): string => range(at, name, 2).toString('utf16le');
  const optionFlags3 = payload[27]!;
  let sspi = range(FIELDS.sspi, 'sspi', 1);
  const cbSspiLong = payload.readUInt32LE(90);
  if (payload.readUInt16LE(FIELDS.sspi + 2) === 0xffff && cbSspiLong > 0) {
    const ib = payload.readUInt16LE(FIELDS.sspi);
    if (ib + cbSspiLong > payload.length) fail('SSPI long data lies outside the message');
    sspi = payload.subarray(ib, ib + cbSspiLong);
  }
  let features: FeatureExt[] = [];
  if ((optionFlags3 & OPTION_FLAGS3_EXTENSION) !== 0) {
    const ext = range(FIELDS.extension, 'extension', 1);
    if (ext.length < 4) fail('fExtension is set but ibExtension does not point at a 4-byte FeatureExt offset');
    features = decodeFeatureExt(payload, ext.readUInt32LE(0));
  }
  const fedAuthData = features.find((f) => f.id === FeatureId.FedAuth);
  const login: Login7 = {
    tdsVersion: payload.readUInt32LE(4),
    packetSize: payload.readUInt32LE(8),
    clientProgVer: payload.readUInt32LE(12),
    clientPid: payload.readUInt32LE(16),
    connectionId: payload.readUInt32LE(20),
    optionFlags1: payload[24]!,
    optionFlags2: payload[25]!,
    typeFlags: payload[26]!,
    optionFlags3,
    clientTimeZone: payload.readInt32LE(28),
    clientLcid: payload.readUInt32LE(32),
    hostName: text(FIELDS.hostName, 'hostName'),
    userName: text(FIELDS.userName, 'userName'),
    password: deobfuscatePassword(range(FIELDS.password, 'password', 2)).toString('utf16le'),
    appName: text(FIELDS.appName, 'appName'),
    serverName: text(FIELDS.serverName, 'serverName'),
    clientInterfaceName: text(FIELDS.clientInterfaceName, 'clientInterfaceName'),
    language: text(FIELDS.language, 'language'),
    database: text(FIELDS.database, 'database'),
    clientId: payload.subarray(72, 78),
    sspi,
    attachDbFile: text(FIELDS.attachDbFile, 'attachDbFile'),
    changePassword: deobfuscatePassword(range(FIELDS.changePassword, 'changePassword', 2)).toString('utf16le'),
    features,
  };
  return fedAuthData ? { ...login, fedAuth: decodeFedAuth(fedAuthData.data) } : login;
}

function decodeFeatureExt(payload: Buffer, offset: number): FeatureExt[] {
  if (offset < FIXED || offset >= payload.length) fail(`FeatureExt offset ${offset} lies outside the message`);
  const features: FeatureExt[] = [];
  let at = offset;
  for (;;) {
    if (at >= payload.length) fail('FeatureExt has no terminator (0xFF)');
    const id = payload[at]!;
    if (id === FeatureId.Terminator) return features;
    if (at + 5 > payload.length) fail(`feature 0x${id.toString(16)} header is truncated`);
    const len = payload.readUInt32LE(at + 1);
    if (at + 5 + len > payload.length) fail(`feature 0x${id.toString(16)} data (${len} bytes) runs past the message`);
    features.push({ id, data: payload.subarray(at + 5, at + 5 + len) });
    at += 5 + len;
    if (features.length > 64) fail('more than 64 features');
  }
}

function decodeFedAuth(data: Buffer): FedAuthFeature {
  if (data.length < 1) fail('FEDAUTH feature is empty');
  const options = data[0]!;
  const library = options >> 1;
  const echo = (options & 1) === 1;
  if (library === FedAuthLibrary.SecurityToken) {
    if (data.length < 5) fail('FEDAUTH SECURITYTOKEN has no token length');
    const len = data.readUInt32LE(1);
    if (5 + len > data.length) fail(`FEDAUTH token length ${len} runs past the feature`);
    const token = data.subarray(5, 5 + len);
    const rest = data.length - 5 - len;
    if (rest !== 0 && rest !== 32) fail(`FEDAUTH has ${rest} trailing byte(s); only a 32-byte nonce may follow the token`);
    return rest === 32 ? { library, echo, token, nonce: data.subarray(5 + len) } : { library, echo, token };
  }
  if (library === FedAuthLibrary.Adal) {
    if (data.length < 2) fail('FEDAUTH ADAL has no workflow byte');
    return { library, echo, workflow: data[1]! };
  }
  return { library, echo };
}

export interface Login7Input {
  readonly tdsVersion?: number;
  readonly packetSize?: number;
  readonly clientProgVer?: number;
  readonly clientPid?: number;
  readonly connectionId?: number;
  readonly optionFlags1?: number;
  readonly optionFlags2?: number;
  readonly typeFlags?: number;
  readonly optionFlags3?: number;
  readonly clientTimeZone?: number;
  readonly clientLcid?: number;
  readonly hostName?: string;
  readonly userName?: string;
  readonly password?: string;
  readonly appName?: string;
  readonly serverName?: string;
  readonly clientInterfaceName?: string;
  readonly language?: string;
  readonly database?: string;
  readonly clientId?: Buffer;
  readonly sspi?: Buffer;
  readonly attachDbFile?: string;
  readonly changePassword?: string;
  /** Extra FeatureExt entries (raw); FEDAUTH is built from `fedAuth`. */
  readonly features?: readonly FeatureExt[];
  readonly fedAuth?: FedAuthFeature;
}

/** Encodes the FEDAUTH FeatureExt data. */
export function encodeFedAuth(fedAuth: FedAuthFeature): Buffer {
  const options = Buffer.from([((fedAuth.library << 1) | (fedAuth.echo ? 1 : 0)) & 0xff]);
  if (fedAuth.library === FedAuthLibrary.SecurityToken) {
    const token = fedAuth.token ?? Buffer.alloc(0);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(token.length, 0);
    return Buffer.concat([options, len, token, fedAuth.nonce ?? Buffer.alloc(0)]);
  }
  if (fedAuth.library === FedAuthLibrary.Adal) return Buffer.concat([options, Buffer.from([fedAuth.workflow ?? 1])]);
  return options;
}

/**
 * Encodes LOGIN7. Variable data follows the fixed part in the field order of the spec; the FeatureExt
 * block (with FEDAUTH when given) goes last, pointed at by a DWORD in the extension slot, as 7.4 wants.
 */
export function encodeLogin7(input: Login7Input): Buffer {
  const features: FeatureExt[] = [...(input.features ?? [])];
  if (input.fedAuth) features.unshift({ id: FeatureId.FedAuth, data: encodeFedAuth(input.fedAuth) });
  const hasExtension = features.length > 0;
  const fixed = Buffer.alloc(FIXED);
  const chunks: Buffer[] = [];
  let dataOffset = FIXED;
  const put = (at: number, bytes: Buffer, count: number): void => {
    if (dataOffset > 0xffff) throw new ProtocolError(ProtocolErrorCode.Unencodable, 'LOGIN7 variable data exceeds USHORT offsets');
    fixed.writeUInt16LE(dataOffset, at);
    fixed.writeUInt16LE(count, at + 2);
    chunks.push(bytes);
    dataOffset += bytes.length;
  };
  const str = (at: number, value: string | undefined, name: string): void => {
    const v = value ?? '';
    const limit = MAX_CHARS[name] ?? 128;
    if (v.length > limit) throw new ProtocolError(ProtocolErrorCode.Unencodable, `LOGIN7 ${name} is ${v.length} characters; at most ${limit}`);
    put(at, Buffer.from(v, 'utf16le'), v.length);
  };
  str(FIELDS.hostName, input.hostName, 'hostName');
  str(FIELDS.userName, input.userName, 'userName');
  const password = input.password ?? '';
  put(FIELDS.password, obfuscatePassword(Buffer.from(password, 'utf16le')), password.length);
  str(FIELDS.appName, input.appName, 'appName');
  str(FIELDS.serverName, input.serverName, 'serverName');
  const extensionPointer = Buffer.alloc(hasExtension ? 4 : 0);
  put(FIELDS.extension, extensionPointer, extensionPointer.length);
  str(FIELDS.clientInterfaceName, input.clientInterfaceName, 'clientInterfaceName');
  str(FIELDS.language, input.language, 'language');
  str(FIELDS.database, input.database, 'database');
  put(FIELDS.sspi, input.sspi ?? Buffer.alloc(0), (input.sspi ?? Buffer.alloc(0)).length);
  str(FIELDS.attachDbFile, input.attachDbFile, 'attachDbFile');
  const change = input.changePassword ?? '';
  put(FIELDS.changePassword, obfuscatePassword(Buffer.from(change, 'utf16le')), change.length);
  if (hasExtension) {
    extensionPointer.writeUInt32LE(dataOffset, 0);
    for (const feature of features) {
      const head = Buffer.alloc(5);
      head[0] = feature.id;
      head.writeUInt32LE(feature.data.length, 1);
      chunks.push(head, feature.data);
      dataOffset += 5 + feature.data.length;
    }
    chunks.push(Buffer.from([FeatureId.Terminator]));
    dataOffset += 1;
  }
  fixed.writeUInt32LE(dataOffset, 0);
  fixed.writeUInt32LE(input.tdsVersion ?? TdsVersion.V7_4, 4);
  fixed.writeUInt32LE(input.packetSize ?? 4096, 8);
  fixed.writeUInt32LE(input.clientProgVer ?? 0, 12);
  fixed.writeUInt32LE(input.clientPid ?? 0, 16);
  fixed.writeUInt32LE(input.connectionId ?? 0, 20);
  fixed[24] = input.optionFlags1 ?? 0xe0; // USE_DB_ON | INIT_DB_FATAL | SET_LANG_ON, as drivers send
  fixed[25] = input.optionFlags2 ?? 0x03; // INIT_LANG_FATAL | ODBC_ON
  fixed[26] = input.typeFlags ?? 0;
  fixed[27] = (input.optionFlags3 ?? 0) | (hasExtension ? OPTION_FLAGS3_EXTENSION : 0);
  fixed.writeInt32LE(input.clientTimeZone ?? 0, 28);
  fixed.writeUInt32LE(input.clientLcid ?? 0x409, 32);
  (input.clientId ?? Buffer.alloc(6)).copy(fixed, 72, 0, 6);
  return Buffer.concat([fixed, ...chunks]);
}
