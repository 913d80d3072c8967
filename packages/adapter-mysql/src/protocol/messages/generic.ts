import { Capability, EOF_HEADER, ERR_HEADER, MAX_PACKET_CHUNK, OK_HEADER } from '../constants.js';
import { PayloadCursor } from '../cursor.js';
import { PayloadWriter } from '../writer.js';

/** OK_Packet (header 0x00, or 0xfe when it ends a result set under CLIENT_DEPRECATE_EOF). */
export interface OkPacket {
  readonly affectedRows: number;
  readonly lastInsertId: number;
  readonly statusFlags: number;
  readonly warnings: number;
  readonly info: string;
  /** Raw session-state-change bytes (CLIENT_SESSION_TRACK with SERVER_SESSION_STATE_CHANGED), if any. */
  readonly sessionState: Buffer | undefined;
}

export function decodeOk(payload: Buffer, capabilities: number): OkPacket {
  const c = new PayloadCursor(payload, 'OK packet');
  const header = c.int1('header');
  if (header !== OK_HEADER && header !== EOF_HEADER) c.fail(`header 0x${header.toString(16)} is not OK`);
  const affectedRows = c.lenencInt('affected rows');
  const lastInsertId = c.lenencInt('last insert id');
  let statusFlags = 0;
  let warnings = 0;
  if (capabilities & Capability.PROTOCOL_41) {
    statusFlags = c.int2('status flags');
    warnings = c.int2('warnings');
  } else if (capabilities & Capability.TRANSACTIONS) {
    statusFlags = c.int2('status flags');
  }
  let info = '';
  let sessionState: Buffer | undefined;
  if (capabilities & Capability.SESSION_TRACK) {
    if (c.remaining > 0) info = c.lenencString('info');
    if (statusFlags & 0x4000 && c.remaining > 0) sessionState = c.lenencBytes('session state');
  } else {
    info = c.restString('info');
  }
  return { affectedRows, lastInsertId, statusFlags, warnings, info, sessionState };
}

export function encodeOk(input: Partial<OkPacket> & { statusFlags: number }, sequenceId: number, capabilities: number, header = OK_HEADER): Buffer {
  const w = new PayloadWriter()
    .int1(header)
    .lenencInt(input.affectedRows ?? 0)
    .lenencInt(input.lastInsertId ?? 0)
    .int2(input.statusFlags & ~0x4000)
    .int2(input.warnings ?? 0);
  if (capabilities & Capability.SESSION_TRACK) {
    if (input.info) w.lenencString(input.info);
  } else if (input.info) {
    w.string(input.info);
  }
  return w.packet(sequenceId);
}

/** ERR_Packet. */
export interface ErrPacket {
  readonly errorCode: number;
  /** Five characters, or undefined when the server sent none (before CLIENT_PROTOCOL_41 was agreed). */
  readonly sqlState: string | undefined;
  readonly message: string;
}

export function decodeErr(payload: Buffer): ErrPacket {
  const c = new PayloadCursor(payload, 'ERR packet');
  if (c.int1('header') !== ERR_HEADER) c.fail('header is not 0xff');
  const errorCode = c.int2('error code');
  let sqlState: string | undefined;
  if (c.remaining > 0 && payload[c.position] === 0x23 /* # */) {
    c.skip(1, 'SQL state marker');
    sqlState = c.bytes(5, 'SQL state').toString('latin1');
  }
  return { errorCode, sqlState, message: c.restString('error message') };
}

export function encodeErr(input: ErrPacket, sequenceId: number): Buffer {
  const w = new PayloadWriter().int1(ERR_HEADER).int2(input.errorCode);
  if (input.sqlState !== undefined) w.string('#').string(input.sqlState.padEnd(5, '0').slice(0, 5));
  // An ERR is one packet; keep a pathological message well inside it.
  return w.string(truncateUtf8(input.message, 8192)).packet(sequenceId);
}

/** EOF_Packet (pre-DEPRECATE_EOF). */
export interface EofPacket {
  readonly warnings: number;
  readonly statusFlags: number;
}

export function decodeEof(payload: Buffer): EofPacket {
  const c = new PayloadCursor(payload, 'EOF packet');
  if (c.int1('header') !== EOF_HEADER) c.fail('header is not 0xfe');
  if (c.remaining === 0) return { warnings: 0, statusFlags: 0 };
  return { warnings: c.int2('warnings'), statusFlags: c.int2('status flags') };
}

export function encodeEof(input: EofPacket, sequenceId: number): Buffer {
  return new PayloadWriter().int1(EOF_HEADER).int2(input.warnings).int2(input.statusFlags).packet(sequenceId);
}

/** True for a classic EOF packet (0xfe and shorter than 9 bytes; a row can start with 0xfe only when longer). */
export function isEofPacket(payload: Buffer): boolean {
  return payload.length > 0 && payload.length < 9 && payload[0] === EOF_HEADER;
}

/**
 * True for a packet that ends a result set: a classic EOF, or under CLIENT_DEPRECATE_EOF an OK packet
 * with header 0xfe (a text row starting with 0xfe carries a ≥ 16 MiB value, so it is longer).
 */
export function isResultSetTerminator(payload: Buffer, deprecateEof: boolean): boolean {
  if (payload.length === 0 || payload[0] !== EOF_HEADER) return false;
  return deprecateEof ? payload.length < MAX_PACKET_CHUNK : payload.length < 9;
}

/** Status flags of a packet that ends a response (OK, 0xfe-OK or EOF); 0 for ERR and anything else. */
export function terminatorStatus(payload: Buffer, capabilities: number): number {
  if (payload.length === 0) return 0;
  if (payload[0] === OK_HEADER || (payload[0] === EOF_HEADER && capabilities & Capability.DEPRECATE_EOF && payload.length >= 7)) {
    return decodeOk(payload, capabilities).statusFlags;
  }
  if (payload[0] === EOF_HEADER) return decodeEof(payload).statusFlags;
  return 0;
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  return Buffer.from(text).subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '') + '…';
}

/**
 * A copy of a packet that ends a result or a response (OK, 0xfe-OK or EOF; one physical packet,
 * header included) with `addWarnings` added to its warning count and `setStatus` bits set: where a
 * client reads the warning count from, so the gateway's own warnings (a result cut by policy) are
 * counted as the server's are. A packet without those fields (pre-4.1) comes back unchanged.
 */
export function patchTerminator(raw: Buffer, capabilities: number, addWarnings: number, setStatus = 0): Buffer {
  const payload = raw.subarray(4);
  let statusAt: number;
  let warningsAt: number;
  const header = payload[0];
  const okLayout = header === OK_HEADER || (header === EOF_HEADER && capabilities & Capability.DEPRECATE_EOF && payload.length >= 7);
  if (okLayout && capabilities & Capability.PROTOCOL_41) {
    const c = new PayloadCursor(payload, 'OK packet');
    c.skip(1, 'header');
    c.lenencInt('affected rows');
    c.lenencInt('last insert id');
    statusAt = c.position;
    warningsAt = statusAt + 2;
    if (payload.length < warningsAt + 2) return raw;
  } else if (header === EOF_HEADER && payload.length >= 5) {
    warningsAt = 1;
    statusAt = 3;
  } else {
    return raw;
  }
  const copy = Buffer.from(raw);
  const out = copy.subarray(4);
  out.writeUInt16LE(Math.min(0xffff, out.readUInt16LE(warningsAt) + addWarnings), warningsAt);
  out.writeUInt16LE(out.readUInt16LE(statusAt) | setStatus, statusAt);
  return copy;
}
