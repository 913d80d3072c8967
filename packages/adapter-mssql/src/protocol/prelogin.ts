import { ProtocolError, ProtocolErrorCode } from '../errors.js';

/** PRELOGIN option tokens (MS-TDS 2.2.6.5). */
export const PreloginOption = {
  Version: 0x00,
  Encryption: 0x01,
  InstOpt: 0x02,
  ThreadId: 0x03,
  Mars: 0x04,
  TraceId: 0x05,
  FedAuthRequired: 0x06,
  Nonce: 0x07,
  Terminator: 0xff,
} as const;

/** B_FENCRYPTION values. */
export const Encryption = {
  Off: 0x00,
  On: 0x01,
  NotSupported: 0x02,
  Required: 0x03,
} as const;
export type Encryption = (typeof Encryption)[keyof typeof Encryption];

/** ENCRYPT_CLIENT_CERT, OR-ed into the encryption byte by clients offering certificate authentication. */
export const ENCRYPT_CLIENT_CERT = 0x80;

export interface PreloginVersion {
  readonly major: number;
  readonly minor: number;
  readonly build: number;
  readonly subbuild: number;
}

export interface Prelogin {
  readonly version?: PreloginVersion;
  /** Raw B_FENCRYPTION byte (may carry ENCRYPT_CLIENT_CERT). */
  readonly encryption?: number;
  /** INSTOPT bytes without the terminating NUL. */
  readonly instance?: Buffer;
  readonly threadId?: number;
  readonly mars?: boolean;
  /** TRACEID: ConnID (16) + ActivityID (16) + sequence (4). */
  readonly traceId?: Buffer;
  readonly fedAuthRequired?: boolean;
  readonly nonce?: Buffer;
  /** Options this codec does not know, kept so nothing is silently lost. */
  readonly unknown?: readonly { readonly token: number; readonly data: Buffer }[];
}

const MAX_OPTIONS = 64;

/** Decodes a PRELOGIN payload (either direction). Option offsets are validated against the payload. */
export function decodePrelogin(payload: Buffer): Prelogin {
  const fail = (problem: string): never => {
    throw new ProtocolError(ProtocolErrorCode.Malformed, `PRELOGIN: ${problem}`);
  };
  const out: {
    -readonly [K in keyof Prelogin]: Prelogin[K];
  } = {};
  const unknown: { token: number; data: Buffer }[] = [];
  let at = 0;
  const seen = new Set<number>();
  for (;;) {
    if (at >= payload.length) fail('option list has no terminator (0xFF)');
    const token = payload[at]!;
    if (token === PreloginOption.Terminator) break;
    if (at + 5 > payload.length) fail(`option 0x${token.toString(16)} header is truncated`);
    if (seen.size >= MAX_OPTIONS) fail(`more than ${MAX_OPTIONS} options`);
    if (seen.has(token)) fail(`option 0x${token.toString(16)} appears twice`);
    seen.add(token);
    const offset = payload.readUInt16BE(at + 1);
    const length = payload.readUInt16BE(at + 3);
    if (offset + length > payload.length) fail(`option 0x${token.toString(16)} data (${offset}+${length}) runs past the payload (${payload.length})`);
    const data = payload.subarray(offset, offset + length);
    const need = (n: number): void => {
      if (length < n) fail(`option 0x${token.toString(16)} needs ${n} byte(s), has ${length}`);
    };
    switch (token) {
      case PreloginOption.Version:
        need(6);
        out.version = { major: data[0]!, minor: data[1]!, build: data.readUInt16BE(2), subbuild: data.readUInt16BE(4) };
        break;
      case PreloginOption.Encryption:
        need(1);
        out.encryption = data[0]!;
        break;
      case PreloginOption.InstOpt: {
        const nul = data.indexOf(0);
        out.instance = nul >= 0 ? data.subarray(0, nul) : data;
        break;
      }
      case PreloginOption.ThreadId:
        // Servers send an empty THREADID.
        if (length >= 4) out.threadId = data.readUInt32BE(0);
        break;
      case PreloginOption.Mars:
        need(1);
        out.mars = data[0] === 1;
        break;
      case PreloginOption.TraceId:
        need(36);
        out.traceId = data.subarray(0, 36);
        break;
      case PreloginOption.FedAuthRequired:
        need(1);
        out.fedAuthRequired = data[0] === 1;
        break;
      case PreloginOption.Nonce:
        need(32);
        out.nonce = data.subarray(0, 32);
        break;
      default:
        unknown.push({ token, data });
    }
    at += 5;
  }
  if (unknown.length > 0) out.unknown = unknown;
  return out;
}

/** Encodes a PRELOGIN payload; options appear in token order, as SQL Server and clients send them. */
export function encodePrelogin(prelogin: Prelogin): Buffer {
  const options: { token: number; data: Buffer }[] = [];
  if (prelogin.version) {
    const v = Buffer.alloc(6);
    v[0] = prelogin.version.major;
    v[1] = prelogin.version.minor;
    v.writeUInt16BE(prelogin.version.build, 2);
    v.writeUInt16BE(prelogin.version.subbuild, 4);
    options.push({ token: PreloginOption.Version, data: v });
  }
  if (prelogin.encryption !== undefined) options.push({ token: PreloginOption.Encryption, data: Buffer.from([prelogin.encryption]) });
  if (prelogin.instance !== undefined) options.push({ token: PreloginOption.InstOpt, data: Buffer.concat([prelogin.instance, Buffer.from([0])]) });
  if (prelogin.threadId !== undefined) {
    const t = Buffer.alloc(4);
    t.writeUInt32BE(prelogin.threadId >>> 0, 0);
    options.push({ token: PreloginOption.ThreadId, data: t });
  }
  if (prelogin.mars !== undefined) options.push({ token: PreloginOption.Mars, data: Buffer.from([prelogin.mars ? 1 : 0]) });
  if (prelogin.traceId !== undefined) options.push({ token: PreloginOption.TraceId, data: prelogin.traceId });
  if (prelogin.fedAuthRequired !== undefined) options.push({ token: PreloginOption.FedAuthRequired, data: Buffer.from([prelogin.fedAuthRequired ? 1 : 0]) });
  if (prelogin.nonce !== undefined) options.push({ token: PreloginOption.Nonce, data: prelogin.nonce });
  for (const extra of prelogin.unknown ?? []) options.push(extra);
  const headerBytes = options.length * 5 + 1;
  const total = headerBytes + options.reduce((n, o) => n + o.data.length, 0);
  if (total > 0xffff) throw new ProtocolError(ProtocolErrorCode.Unencodable, `PRELOGIN payload of ${total} bytes exceeds USHORT offsets`);
  const out = Buffer.alloc(total);
  let header = 0;
  let data = headerBytes;
  for (const option of options) {
    out[header] = option.token;
    out.writeUInt16BE(data, header + 1);
    out.writeUInt16BE(option.data.length, header + 3);
    out.set(option.data, data);
    header += 5;
    data += option.data.length;
  }
  out[header] = PreloginOption.Terminator;
  return out;
}

/** What a server does after answering PRELOGIN (MS-TDS 2.2.6.5, encryption negotiation table). */
export type EncryptionOutcome =
  /** No TLS at all. */
  | 'none'
  /** TLS for the handshake and the first LOGIN7 packet only (both sides said ENCRYPT_OFF). */
  | 'login-only'
  /** TLS for the rest of the connection. */
  | 'full'
  /** The client cannot encrypt but the server requires it: answer, then close. */
  | 'refuse';

/**
 * The server's side of the negotiation: given the client's encryption byte and the server's setting,
 * the byte to answer and what happens next.
 */
export function negotiateEncryption(client: number, server: Encryption): { readonly response: Encryption; readonly outcome: EncryptionOutcome } {
  const wanted = client & ~ENCRYPT_CLIENT_CERT;
  if (server === Encryption.NotSupported) {
    return { response: Encryption.NotSupported, outcome: wanted === Encryption.On || wanted === Encryption.Required ? 'refuse' : 'none' };
  }
  if (wanted === Encryption.NotSupported) {
    return server === Encryption.Off ? { response: Encryption.NotSupported, outcome: 'none' } : { response: server, outcome: 'refuse' };
  }
  if (server === Encryption.Required) return { response: Encryption.Required, outcome: 'full' };
  if (server === Encryption.On) return { response: Encryption.On, outcome: 'full' };
  // server Off
  return wanted === Encryption.Off ? { response: Encryption.Off, outcome: 'login-only' } : { response: Encryption.On, outcome: 'full' };
}

/** The client's side: given what it sent and what the server answered, what happens next. */
export function clientEncryptionOutcome(sent: number, answered: number): EncryptionOutcome {
  const mine = sent & ~ENCRYPT_CLIENT_CERT;
  const theirs = answered & ~ENCRYPT_CLIENT_CERT;
  if (theirs === Encryption.NotSupported) return mine === Encryption.On || mine === Encryption.Required ? 'refuse' : 'none';
  if (mine === Encryption.NotSupported) return theirs === Encryption.Off ? 'none' : 'refuse';
  if (theirs === Encryption.Off) return mine === Encryption.Off ? 'login-only' : 'refuse';
  return 'full';
}
