import { encodeMessageToken } from '../protocol/tokens/error-info.js';
import { TokenStreamReader } from '../protocol/token-stream-reader.js';
import type { TokenStreamReaderOptions } from '../protocol/token-stream-reader.js';
import type { ColumnMetadata, MessageToken, Token } from '../protocol/tokens/token-types.js';
import type { RowMasker } from './result-masking.js';

export interface ResponseMaskerOptions extends TokenStreamReaderOptions {
  /** A row masker for a new result set, or undefined when nothing in it is masked. */
  rowMaskerFor(columns: readonly ColumnMetadata[]): RowMasker | undefined;
  /** Redacts free text from the server (ERROR and INFO messages). */
  redactText(text: string): string;
}

/**
 * Rewrites one server response, token by token, for a request whose decision carries a mask plan:
 * rows of masked result sets are rewritten, ERROR/INFO text is redacted, every other token's bytes
 * pass through untouched. Feed it packet payloads in order (`push`), send what it returns inside
 * response packets (StreamingMessageWriter), and call `end()` at EOM. Without a mask plan a session
 * does not use this at all: packets are forwarded as they came.
 */
export class ResponseMasker {
  readonly #reader: TokenStreamReader;
  readonly #options: ResponseMaskerOptions;
  #rows: RowMasker | undefined;
  #maskedValues = 0;

  constructor(options: ResponseMaskerOptions) {
    this.#options = options;
    this.#reader = new TokenStreamReader(options);
  }

  /** Values masked so far across this response's result sets. */
  get maskedValues(): number {
    return this.#maskedValues + (this.#rows?.plan.maskedCount ?? 0);
  }

  /** Returns the bytes to send for the tokens completed by `payload` (maybe none yet). */
  push(payload: Buffer): Buffer[] {
    const out: Buffer[] = [];
    for (const token of this.#reader.push(payload)) out.push(this.#rewrite(token));
    return out;
  }

  /** The message ended: a token cut in half is a protocol violation (ProtocolError). */
  end(): void {
    this.#reader.endOfMessage();
  }

  #rewrite(token: Token): Buffer {
    switch (token.kind) {
      case 'colmetadata':
        if (token.noMetadata) return token.raw;
        this.#maskedValues += this.#rows?.plan.maskedCount ?? 0;
        this.#rows = this.#options.rowMaskerFor(token.columns);
        return token.raw;
      case 'row':
      case 'nbcrow':
        return this.#rows ? this.#rows.mask(token) : token.raw;
      case 'error':
      case 'info':
        return this.#redact(token);
      default:
        return token.raw;
    }
  }

  #redact(token: MessageToken): Buffer {
    const message = this.#options.redactText(token.message);
    if (message === token.message) return token.raw;
    return encodeMessageToken(token.kind, { ...token, message });
  }
}
