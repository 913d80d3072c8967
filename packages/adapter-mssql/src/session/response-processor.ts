import { TokenStreamReader } from '../protocol/token-stream-reader.js';
import type { TokenStreamReaderOptions } from '../protocol/token-stream-reader.js';
import { encodeDone } from '../protocol/tokens/done.js';
import { encodeMessageToken } from '../protocol/tokens/error-info.js';
import { DoneStatus, TokenType } from '../protocol/tokens/token-types.js';
import type { ColumnMetadata, DoneToken, MessageToken, Token } from '../protocol/tokens/token-types.js';
import { GATEWAY_SERVER_NAME } from './native-errors.js';
import { observeToken } from './response-facts.js';
import type { RowMasker } from './result-masking.js';

export interface ResponseProcessorOptions extends TokenStreamReaderOptions {
  /**
   * Rewrite mode (a mask plan or a row limit): tokens come back from `push` to be re-packetised.
   * Otherwise observe mode: `push` returns nothing and the caller forwards the packets verbatim.
   */
  readonly rewrite: boolean;
  /** Rewrite mode: a row masker for a result set, or undefined when nothing in it is masked. */
  rowMaskerFor?(columns: readonly ColumnMetadata[]): RowMasker | undefined;
  /** Rewrite mode: redacts ERROR and INFO text from the server. */
  redactText?(text: string): string;
  /** Rewrite mode: at most this many rows per result set; the rest are dropped. */
  readonly rowLimit?: number;
  /** Rewrite mode: the INFO text that says a result was cut. */
  readonly rowLimitNotice?: string;
  /**
   * Rewrite mode, with a row limit: at the cut, end the client's response at once (the notice, then
   * DONE counting the rows sent — `batch` — or DONEINPROC and DONEPROC — `rpc`) and swallow the rest
   * of the upstream response; the caller sends Attention upstream (`cancelled` tells it when).
   * Only for a request that is one read statement: cancelling it cancels nothing else.
   */
  readonly cancelAtLimit?: 'batch' | 'rpc';
}

/**
 * Reads one upstream response (a TABULAR RESULT message) token by token, for what the session must
 * learn from it — rows, the first error number, a database change, a prepared handle, the attention
 * acknowledgement — and, in rewrite mode, returns the tokens to send: masked rows, redacted
 * messages, and a result cut at the row limit (an INFO notice, then the DONE with the rows sent).
 * Values are decoded only for masked columns and a returned handle.
 */
export class ResponseProcessor {
  readonly #reader: TokenStreamReader;
  readonly #options: ResponseProcessorOptions;
  #rowMasker: RowMasker | undefined;
  #maskedValues = 0;
  #rowsInSet = 0;
  #cut = false;
  #withheld = false;
  rows = 0;
  /** The first ERROR's number, if the server refused something. */
  errorNumber: number | undefined;
  attentionAcknowledged = false;
  /** The database an ENVCHANGE moved the session to. */
  database: string | undefined;
  /** The first int RETURNVALUE (sp_prepare / sp_prepexec handle). */
  returnedHandle: number | undefined;
  /** A result set was cut at the row limit. */
  limited = false;
  /** `cancelAtLimit`: the cut happened; the client's response is complete, the rest is swallowed. */
  cancelled = false;

  constructor(options: ResponseProcessorOptions) {
    this.#options = options;
    this.#reader = new TokenStreamReader(options);
  }

  get maskedValues(): number {
    return this.#maskedValues + (this.#rowMasker?.plan.maskedCount ?? 0);
  }

  /** One packet's payload; returns the bytes to send (rewrite mode), or an empty list (observe mode). */
  push(payload: Buffer): Buffer[] {
    const tokens = this.#reader.push(payload);
    if (!this.#options.rewrite) {
      for (const token of tokens) this.#observe(token);
      return [];
    }
    const out: Buffer[] = [];
    for (const token of tokens) this.#rewrite(token, out);
    return out;
  }

  /** End of the message: a token cut in half is a protocol violation. */
  end(): void {
    this.#reader.endOfMessage();
    this.#maskedValues += this.#rowMasker?.plan.maskedCount ?? 0;
    this.#rowMasker = undefined;
  }

  #observe(token: Token): void {
    observeToken(this, token);
  }

  #rewrite(token: Token, out: Buffer[]): void {
    if (this.cancelled) {
      // Swallowed until the attention acknowledgement (which may come in this message or a later one).
      if ((token.kind === 'done' || token.kind === 'doneproc' || token.kind === 'doneinproc') && (token.status & DoneStatus.Attention) !== 0) this.attentionAcknowledged = true;
      return;
    }
    switch (token.kind) {
      case 'colmetadata':
        if (!token.noMetadata) {
          this.#maskedValues += this.#rowMasker?.plan.maskedCount ?? 0;
          this.#rowMasker = this.#options.rowMaskerFor?.(token.columns);
        }
        this.#rowsInSet = 0;
        this.#cut = false;
        out.push(token.raw);
        return;
      case 'row':
      case 'nbcrow': {
        const limit = this.#options.rowLimit;
        if (limit !== undefined && this.#rowsInSet >= limit) {
          this.limited = true;
          if (this.#options.cancelAtLimit) {
            this.#endAtCut(this.#options.cancelAtLimit, out);
            return;
          }
          this.#cut = true;
          return;
        }
        if (this.#withheld) return;
        this.#rowsInSet++;
        try {
          out.push(this.#rowMasker ? this.#rowMasker.mask(token) : token.raw);
        } catch {
          // A value the plan could not mask (strict mode): no row of this response reaches the client.
          this.#withheld = true;
          this.errorNumber ??= MASKING_FAILED;
          out.push(encodeMessageToken('error', { number: MASKING_FAILED, state: 1, class: 16, message: 'gatehouse: a value in this result could not be masked; the rest of the result is withheld', serverName: GATEWAY_SERVER_NAME }));
        }
        return;
      }
      case 'done':
      case 'doneproc':
      case 'doneinproc':
        if (this.#cut) {
          this.#cut = false;
          out.push(
            encodeMessageToken('info', { number: 50000, state: 1, class: 0, message: this.#options.rowLimitNotice ?? 'gatehouse: result cut by policy', serverName: GATEWAY_SERVER_NAME }),
            encodeDone({ status: token.status, curCmd: token.curCmd, rowCount: this.#rowsInSet }, TYPE_OF[token.kind]),
          );
          this.#done(token, this.#rowsInSet);
          return;
        }
        this.#done(token, undefined);
        out.push(token.raw);
        return;
      case 'error':
      case 'info':
        if (token.kind === 'error') this.errorNumber ??= token.number;
        out.push(this.#redact(token));
        return;
      default:
        this.#observe(token);
        out.push(token.raw);
    }
  }

  /** The client's response ends here, as if the result had had `rowsInSet` rows. */
  #endAtCut(form: 'batch' | 'rpc', out: Buffer[]): void {
    this.cancelled = true;
    this.rows += this.#rowsInSet;
    out.push(encodeMessageToken('info', { number: 50000, state: 1, class: 0, message: this.#options.rowLimitNotice ?? 'gatehouse: result cut by policy', serverName: GATEWAY_SERVER_NAME }));
    if (form === 'batch') {
      out.push(encodeDone({ status: DoneStatus.Count, curCmd: SELECT_COMMAND, rowCount: this.#rowsInSet }));
      return;
    }
    out.push(
      encodeDone({ status: DoneStatus.Count | DoneStatus.More, curCmd: SELECT_COMMAND, rowCount: this.#rowsInSet }, TokenType.DoneInProc),
      encodeDone({ status: DoneStatus.Final }, TokenType.DoneProc),
    );
  }

  #done(token: DoneToken, rowsSent: number | undefined): void {
    if ((token.status & DoneStatus.Attention) !== 0) this.attentionAcknowledged = true;
    if ((token.status & DoneStatus.Count) !== 0) this.rows += rowsSent ?? Number(token.rowCount);
  }

  #redact(token: MessageToken): Buffer {
    const redact = this.#options.redactText;
    if (!redact) return token.raw;
    const message = redact(token.message);
    return message === token.message ? token.raw : encodeMessageToken(token.kind, { ...token, message });
  }
}

/** The error number of the gateway's own failures (as native-errors' GatewayFailure). */
const MASKING_FAILED = 50000;

/** DONE's CurCmd for SELECT (0xC1), as SQL Server reports it. */
const SELECT_COMMAND = 0xc1;

const TYPE_OF = { done: TokenType.Done, doneproc: TokenType.DoneProc, doneinproc: TokenType.DoneInProc } as const;
