import { Duplex } from 'node:stream';
import { encodeMessage, HEADER_LENGTH, PacketType } from '../protocol/packet.js';
import { TransportError, TransportErrorCode } from '../errors.js';

/** TLS record content types: ChangeCipherSpec, Alert, Handshake, ApplicationData. */
const TLS_FIRST = 0x14;
const TLS_LAST = 0x17;
const TLS_APPLICATION_DATA = 0x17;
const TLS_RECORD_HEADER = 5;
/** A TLS record body is at most 2^14 + 2048 bytes (RFC 5246 6.2.3). */
const TLS_MAX_RECORD = 16384 + 2048;
const PRELOGIN_MAX_PACKET = 32768;

export type CarrierMode =
  /** TLS bytes travel inside PRELOGIN (0x12) packets: the TDS 7.x handshake. */
  | 'wrapped'
  /** TLS records travel bare on the socket: after the handshake, and for TDS 8 from the first byte. */
  | 'raw'
  /** TLS is finished with (login-only encryption): the socket carries plaintext TDS again. */
  | 'detached';

export interface CarrierOptions {
  /** Start wrapped (TDS 7.x) or raw (TDS 8 strict, where TLS comes first). */
  readonly mode: 'wrapped' | 'raw';
  /** Bytes already read from the socket that belong to the TLS stream. */
  readonly initial?: Buffer;
  /** Packet size for the PRELOGIN packets carrying our handshake bytes. */
  readonly packetSize?: number;
}

/**
 * The transport under a `tls.TLSSocket` for SQL Server's TLS: a Duplex that the TLS layer reads and
 * writes as if it were the socket, while on the wire
 *
 * - during the TDS 7.x handshake, TLS bytes travel inside PRELOGIN packets, every flight of ours as
 *   one PRELOGIN message (tedious reads exactly one message per flight it sent);
 * - after the handshake, TLS records travel bare;
 * - with login-only encryption (both sides said ENCRYPT_OFF), only the first LOGIN7 packet is
 *   encrypted and the connection then carries plaintext TDS: the carrier notices the first byte at a
 *   record boundary that cannot start a TLS record (TDS packet types are 0x01–0x12, TLS content types
 *   0x14–0x17), stops feeding TLS and hands the plaintext over with a 'plaintext' event.
 *
 * The switch from wrapped to raw is decided from bytes, not timing: outgoing, at the first
 * ApplicationData record; incoming, at the first record boundary whose byte is not 0x12. This needs
 * TLS ≤ 1.2 inside TDS 7.x (TLS 1.3 sends encrypted handshake messages as ApplicationData records),
 * which is also all SQL Server offers there; TDS 8 uses any version, raw from the start.
 */
export class TlsInPreloginCarrier extends Duplex {
  private modeIn: CarrierMode;
  private modeOut: CarrierMode;
  private inbuf: Buffer = Buffer.alloc(0);
  /** Bytes left in the incoming TLS record being passed through (raw mode). */
  private recordLeft = 0;
  /** Outgoing: bytes left in the current TLS record, and the handshake bytes awaiting a flush. */
  private outRecordLeft = 0;
  private outHeader: Buffer = Buffer.alloc(0);
  private wrappedOut: Buffer[] = [];
  private flushScheduled = false;
  private readonly packetSize: number;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onEnd = (): void => {
    this.push(null);
  };
  private readonly onError = (error: Error): void => {
    this.destroy(error);
  };

  constructor(
    private readonly socket: Duplex,
    options: CarrierOptions,
  ) {
    super({ allowHalfOpen: false });
    this.modeIn = options.mode;
    this.modeOut = options.mode;
    this.packetSize = options.packetSize ?? 4096;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    if (options.initial && options.initial.length > 0) {
      const initial = options.initial;
      queueMicrotask(() => this.receive(initial));
    }
  }

  get mode(): { readonly incoming: CarrierMode; readonly outgoing: CarrierMode } {
    return { incoming: this.modeIn, outgoing: this.modeOut };
  }

  /**
   * Called once the TLS handshake has completed: the peer's handshake flights have all been consumed,
   * so later incoming bytes are bare TLS records — or plaintext TDS under login-only encryption, where
   * the peer never sends a bare record at all.
   */
  handshakeComplete(): void {
    if (this.modeIn === 'wrapped') this.modeIn = 'raw';
    if (this.inbuf.length > 0) this.receive(Buffer.alloc(0));
  }

  /**
   * Stops carrying TLS: unhooks from the socket, drops any later TLS output (a close_notify must not
   * reach a peer that now expects plaintext) and returns unconsumed incoming bytes.
   */
  detach(): Buffer {
    this.modeIn = 'detached';
    this.modeOut = 'detached';
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('error', this.onError);
    const rest = this.inbuf;
    this.inbuf = Buffer.alloc(0);
    return rest;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.modeOut === 'detached') {
      callback();
      return;
    }
    let offset = 0;
    let rawPrefix: Buffer | undefined;
    // Walk record boundaries; while wrapped, everything up to the first ApplicationData record is
    // handshake and is queued for one PRELOGIN message.
    while (this.modeOut === 'wrapped' && offset < chunk.length) {
      if (this.outRecordLeft === 0) {
        const take = Math.min(TLS_RECORD_HEADER - this.outHeader.length, chunk.length - offset);
        this.outHeader = Buffer.concat([this.outHeader, chunk.subarray(offset, offset + take)]);
        offset += take;
        if (this.outHeader.length < TLS_RECORD_HEADER) break;
        const header = this.outHeader;
        this.outHeader = Buffer.alloc(0);
        if (header[0] === TLS_APPLICATION_DATA) {
          // The handshake is over: what was queued goes first, as PRELOGIN; this record goes bare.
          this.flushWrapped();
          this.modeOut = 'raw';
          rawPrefix = header;
          break;
        }
        this.wrappedOut.push(header);
        this.outRecordLeft = header.readUInt16BE(3);
      }
      const body = Math.min(this.outRecordLeft, chunk.length - offset);
      this.wrappedOut.push(chunk.subarray(offset, offset + body));
      this.outRecordLeft -= body;
      offset += body;
    }
    if (this.modeOut === 'wrapped') {
      this.scheduleFlush();
      callback();
      return;
    }
    const rest = rawPrefix ? Buffer.concat([rawPrefix, chunk.subarray(offset)]) : chunk.subarray(offset);
    if (rest.length === 0 || this.socket.write(rest)) callback();
    else this.socket.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flushWrapped();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('error', this.onError);
    callback(error);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // One flight of handshake records is written in one synchronous burst; flushing on the next
    // turn puts the whole flight into one PRELOGIN message.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushWrapped();
    });
  }

  private flushWrapped(): void {
    if (this.wrappedOut.length === 0) return;
    const payload = Buffer.concat(this.wrappedOut);
    this.wrappedOut = [];
    if (this.modeOut === 'detached' || this.socket.destroyed) return;
    this.socket.write(encodeMessage(PacketType.Prelogin, payload, { packetSize: this.packetSize }));
  }

  private receive(chunk: Buffer): void {
    this.inbuf = this.inbuf.length === 0 ? chunk : Buffer.concat([this.inbuf, chunk]);
    try {
      this.drainIncoming();
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  private drainIncoming(): void {
    while (this.inbuf.length > 0 && this.modeIn !== 'detached') {
      if (this.recordLeft > 0) {
        const n = Math.min(this.recordLeft, this.inbuf.length);
        this.pushTls(this.inbuf.subarray(0, n));
        this.inbuf = this.inbuf.subarray(n);
        this.recordLeft -= n;
        continue;
      }
      const first = this.inbuf[0]!;
      if (this.modeIn === 'wrapped' && first === PacketType.Prelogin) {
        if (this.inbuf.length < HEADER_LENGTH) return;
        const length = this.inbuf.readUInt16BE(2);
        if (length < HEADER_LENGTH || length > PRELOGIN_MAX_PACKET) {
          throw new TransportError(TransportErrorCode.HandshakeFraming, `PRELOGIN packet carrying TLS has length ${length}`);
        }
        if (this.inbuf.length < length) return;
        this.pushTls(this.inbuf.subarray(HEADER_LENGTH, length));
        this.inbuf = this.inbuf.subarray(length);
        continue;
      }
      if (first >= TLS_FIRST && first <= TLS_LAST) {
        if (this.modeIn === 'wrapped') this.modeIn = 'raw';
        if (this.inbuf.length < TLS_RECORD_HEADER) return;
        const length = this.inbuf.readUInt16BE(3);
        if (length > TLS_MAX_RECORD) throw new TransportError(TransportErrorCode.HandshakeFraming, `TLS record of ${length} bytes is above the protocol maximum`);
        this.recordLeft = TLS_RECORD_HEADER + length;
        continue;
      }
      if (this.modeIn === 'wrapped') {
        throw new TransportError(
          TransportErrorCode.HandshakeFraming,
          `expected a PRELOGIN packet or a TLS record during the TLS handshake, got byte 0x${first.toString(16)}`,
        );
      }
      // Plaintext TDS after TLS: login-only encryption has ended.
      const rest = this.detach();
      this.emit('plaintext', rest);
      return;
    }
  }

  private pushTls(bytes: Buffer): void {
    if (!this.push(bytes)) this.socket.pause();
  }
}
