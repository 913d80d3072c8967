import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import type { ColumnMetadataCache } from './column-metadata-cache.js';
import { NOT_ENOUGH_DATA } from './reader.js';
import { rowLayoutOf, skipRow } from './row-layout.js';
import type { RowLayout, SkipShortfall } from './row-layout.js';
import { RowSkip } from './row-skip.js';
import type { TokenStreamReaderOptions } from './token-stream-reader.js';
import { fixedTokenAt, fixedTokenLength } from './tokens/fixed-tokens.js';
import { newTokenContext, parseToken } from './tokens/parse-token.js';
import { TokenType } from './tokens/token-types.js';
import type { Token, TokenContext } from './tokens/token-types.js';

const EMPTY = Buffer.alloc(0);

export interface TokenScannerOptions extends TokenStreamReaderOptions {
  /** The session's remembered COLMETADATA tokens: a repeated result shape is neither parsed nor compiled again. */
  readonly columnMetadataCache?: ColumnMetadataCache;
}

/** A token other than ROW/NBCROW, with where it sits in the message payload (absolute byte offsets). */
export interface ScannedToken {
  readonly token: Token;
  readonly start: number;
  readonly end: number;
}

/** Receives each token other than ROW/NBCROW as it is scanned, with its absolute byte offsets. */
export interface TokenVisitor {
  token(token: Token, start: number, end: number): void;
}

/**
 * The cheap way through a response's token stream: ROW and NBCROW tokens are skipped by their
 * lengths (COLMETADATA compiles a row layout once), every other token is parsed by the codec's
 * `parseToken` (the fixed-length DONE family and RETURNSTATUS read in place, `fixedTokenAt`) and
 * handed over with its absolute position in the message payload, so a caller can replace exactly
 * those bytes. Feed packet payloads in order. A row that continues past a piece is
 * walked on as the next pieces come (RowSkip), holding none of its bytes; another incomplete token
 * is kept (and waited for by the parser's `needed` hint, so a long one costs linear time).
 */
export class TokenScanner {
  readonly #ctx: TokenContext;
  readonly #maxTokenBytes: number;
  readonly #metadataCache: ColumnMetadataCache | undefined;
  readonly #short: SkipShortfall = { need: 0 };
  #layout: RowLayout | undefined;
  #tail: Buffer = EMPTY;
  /** Absolute offset of `#tail[0]`. */
  #tailStart = 0;
  #waiting: Buffer[] = [];
  #waitingBytes = 0;
  #neededBytes = 0;
  #received = 0;
  /** A row that continues into the next piece. */
  #row: RowSkip | undefined;
  /** ROW and NBCROW tokens skipped so far. */
  rows = 0;

  constructor(options: TokenScannerOptions = {}) {
    this.#ctx = newTokenContext(options.maxValueBytes);
    this.#maxTokenBytes = options.maxTokenBytes ?? 512 * 1024 * 1024;
    this.#metadataCache = options.columnMetadataCache;
  }

  /** Ready for the next message, as if new (a session reuses one scanner for every response). */
  reset(): void {
    this.#ctx.columns = undefined;
    this.#ctx.needed = 0;
    this.#layout = undefined;
    this.#tail = EMPTY;
    this.#tailStart = 0;
    if (this.#waiting.length > 0) this.#waiting = [];
    this.#waitingBytes = 0;
    this.#neededBytes = 0;
    this.#received = 0;
    this.#row = undefined;
    this.rows = 0;
  }

  /** Payload bytes pushed so far. */
  get received(): number {
    return this.#received;
  }

  /** Where the incomplete token at the end of what was pushed starts (absolute), if there is one. */
  get pendingStart(): number | undefined {
    return this.#tail.length > 0 ? this.#tailStart : undefined;
  }

  /** The type byte of the incomplete token, if there is one. */
  get pendingType(): number | undefined {
    return this.#tail.length > 0 ? this.#tail[0] : undefined;
  }

  /** Bytes held for an incomplete token. */
  get bufferedBytes(): number {
    return this.#tail.length + this.#waitingBytes + (this.#row?.bufferedBytes ?? 0);
  }

  /** Scans `piece` and returns its tokens (other than rows) with their positions. */
  push(piece: Buffer): ScannedToken[] {
    const tokens: ScannedToken[] = [];
    this.scan(piece, { token: (token, start, end) => void tokens.push({ token, start, end }) });
    return tokens;
  }

  /**
   * Scans `piece`, handing each token (other than rows) to `visitor` as it is read: the relay's way,
   * with no array or position record per token. A throw from the visitor stops the scan.
   */
  scan(piece: Buffer, visitor: TokenVisitor): void {
    if (piece.length === 0) return;
    let chunk = piece;
    let chunkStart = this.#received;
    this.#received += piece.length;
    if (this.#row) {
      const end = this.#row.feed(piece, 0);
      if (end < 0) return;
      this.#row = undefined;
      this.rows++;
      if (end === piece.length) return;
      chunk = piece.subarray(end);
      chunkStart += end;
    }
    if (this.#tail.length + this.#waitingBytes + chunk.length < this.#neededBytes) {
      this.#waiting.push(chunk);
      this.#waitingBytes += chunk.length;
      return;
    }
    const base = this.#tail.length > 0 ? this.#tailStart : chunkStart;
    const buf = this.#tail.length === 0 ? chunk : Buffer.concat([this.#tail, ...this.#waiting, chunk]);
    this.#waiting = [];
    this.#waitingBytes = 0;
    let offset = 0;
    while (offset < buf.length) {
      const next = this.#one(buf, offset, visitor, base);
      if (next < 0) {
        this.#neededBytes = -next - offset;
        if (this.#neededBytes > this.#maxTokenBytes) {
          throw new ProtocolError(ProtocolErrorCode.MessageTooLarge, `a token needs ${this.#neededBytes} bytes, above the limit of ${this.#maxTokenBytes} (maxTokenBytes)`);
        }
        this.#tail = buf.subarray(offset);
        this.#tailStart = base + offset;
        return;
      }
      offset = next;
    }
    this.#tail = EMPTY;
    this.#neededBytes = 0;
  }

  /** Call at end of message: a token cut by EOM is a protocol violation. */
  endOfMessage(): void {
    if (this.#row) throw new ProtocolError(ProtocolErrorCode.Malformed, 'the message ended inside a row');
    const left = this.#tail.length + this.#waitingBytes;
    if (left > 0) throw new ProtocolError(ProtocolErrorCode.Malformed, `the message ended inside a token (${left} byte(s) left over)`);
  }

  /** One token at `offset`: the offset after it, or the negated position the bytes must reach. */
  #one(buf: Buffer, offset: number, visitor: TokenVisitor, base: number): number {
    const type = buf[offset];
    if (type === TokenType.Row || type === TokenType.NbcRow) {
      const layout = this.#layout;
      if (!layout) throw new ProtocolError(ProtocolErrorCode.UnexpectedMessage, `${type === TokenType.Row ? 'ROW' : 'NBCROW'} arrived before any COLMETADATA`);
      const nbc = type === TokenType.NbcRow;
      const end = skipRow(buf, offset + 1, layout, nbc, this.#ctx.maxValueBytes, this.#short);
      if (end >= 0) {
        this.rows++;
        return end;
      }
      // The row goes on in the next piece: walked on from there, its bytes not kept.
      const row = new RowSkip(layout, nbc, this.#ctx.maxValueBytes);
      const after = row.feed(buf, offset + 1);
      if (after >= 0) {
        this.rows++;
        return after;
      }
      this.#row = row;
      return buf.length;
    }
    const fixed = fixedTokenAt(buf, offset);
    if (fixed) {
      const end = offset + fixedTokenLength(fixed);
      visitor.token(fixed, base + offset, base + end);
      return end;
    }
    if (type === TokenType.ColMetadata && this.#metadataCache) {
      const cached = this.#metadataCache.match(buf, offset);
      if (cached) {
        this.#layout = cached.layout;
        this.#ctx.columns = cached.token.columns;
        const end = offset + cached.token.raw.length;
        visitor.token(cached.token, base + offset, base + end);
        return end;
      }
    }
    const result = parseToken(buf, offset, this.#ctx);
    if (result === NOT_ENOUGH_DATA) return -this.#ctx.needed;
    const { token } = result;
    if (token.kind === 'colmetadata' && !token.noMetadata) this.#layout = this.#metadataCache ? this.#metadataCache.remember(token) : rowLayoutOf(token.columns);
    visitor.token(token, base + offset, base + result.next);
    return result.next;
  }
}
