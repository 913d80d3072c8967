import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { NOT_ENOUGH_DATA } from './reader.js';
import { newTokenContext, parseToken } from './tokens/parse-token.js';
import type { ColumnMetadata, Token, TokenContext } from './tokens/token-types.js';

const EMPTY = Buffer.alloc(0);

export interface TokenStreamReaderOptions {
  /** Cap on one value (PLP/text) in bytes. */
  readonly maxValueBytes?: number;
  /** Cap on one token in bytes (a row with many large values). */
  readonly maxTokenBytes?: number;
}

/**
 * Push-style token reader over a message payload that arrives in pieces (packet payloads): feeds the
 * pure `parseToken` and keeps the incomplete tail. While a token is incomplete it waits until the
 * parser's `needed` hint is reachable instead of re-parsing on every packet, so a 100 MB PLP value
 * costs linear time. Token `raw` views stay valid after later pushes (buffers are never reused).
 */
export class TokenStreamReader {
  private readonly ctx: TokenContext;
  private readonly maxTokenBytes: number;
  private tail: Buffer = EMPTY;
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  /** Bytes (counted from the start of `tail`) the incomplete token needs before a retry can succeed. */
  private neededBytes = 0;

  constructor(options: TokenStreamReaderOptions = {}) {
    this.ctx = newTokenContext(options.maxValueBytes);
    this.maxTokenBytes = options.maxTokenBytes ?? 512 * 1024 * 1024;
  }

  /** The columns of the current result set (after COLMETADATA). */
  get columns(): readonly ColumnMetadata[] | undefined {
    return this.ctx.columns;
  }

  /** Bytes held for an incomplete token. */
  get bufferedBytes(): number {
    return this.tail.length + this.waitingBytes;
  }

  push(chunk: Buffer): Token[] {
    if (chunk.length === 0) return [];
    if (this.tail.length + this.waitingBytes + chunk.length < this.neededBytes) {
      this.waiting.push(chunk);
      this.waitingBytes += chunk.length;
      return [];
    }
    const buf = this.tail.length === 0 && this.waiting.length === 0 ? chunk : Buffer.concat([this.tail, ...this.waiting, chunk]);
    this.waiting = [];
    this.waitingBytes = 0;
    const tokens: Token[] = [];
    let offset = 0;
    while (offset < buf.length) {
      const result = parseToken(buf, offset, this.ctx);
      if (result === NOT_ENOUGH_DATA) {
        this.neededBytes = this.ctx.needed - offset;
        if (this.neededBytes > this.maxTokenBytes) {
          throw new ProtocolError(ProtocolErrorCode.MessageTooLarge, `a token needs ${this.neededBytes} bytes, above the limit of ${this.maxTokenBytes} (maxTokenBytes)`);
        }
        this.tail = buf.subarray(offset);
        return tokens;
      }
      tokens.push(result.token);
      offset = result.next;
    }
    this.tail = EMPTY;
    this.neededBytes = 0;
    return tokens;
  }

  /** Call at end of message: a token cut by EOM is a protocol violation. */
  endOfMessage(): void {
    if (this.bufferedBytes > 0) {
      throw new ProtocolError(ProtocolErrorCode.Malformed, `the message ended inside a token (${this.bufferedBytes} byte(s) left over)`);
    }
  }
}
