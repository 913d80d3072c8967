import { StreamingMessageWriter } from '../protocol/message-writer.js';
import { PacketType } from '../protocol/packet.js';
import type { Packet } from '../protocol/packet.js';
import { TokenScanner } from '../protocol/token-scanner.js';
import type { TokenScannerOptions, TokenVisitor } from '../protocol/token-scanner.js';
import { encodeMessageToken } from '../protocol/tokens/error-info.js';
import { TokenType } from '../protocol/tokens/token-types.js';
import type { MessageToken, Token } from '../protocol/tokens/token-types.js';
import { observeToken } from './response-facts.js';
import type { ResponseFacts } from './response-facts.js';

export interface ResponseScannerOptions extends TokenScannerOptions {
  /** Redacts free text from the server (ERROR and INFO messages). */
  redactText(text: string): string;
  /** Where the client's bytes go (whole packets). */
  send(bytes: Buffer): void;
  /** The packet size of re-packetised output. */
  readonly packetSize: number;
}

/** Replaces a server message whose redaction failed: the text is withheld, never sent unread. */
const WITHHELD = 'gatehouse: the server message was withheld (it could not be redacted)';

interface Replacement {
  readonly start: number;
  readonly end: number;
  readonly bytes: Buffer;
}

/**
 * Relays one upstream response (a TABULAR RESULT message) that no mask plan or row limit applies
 * to, the cheap way: rows are skipped by length (TokenScanner), only ERROR and INFO tokens are read
 * and their text redacted, and the packets go to the client exactly as they came while no message
 * changed. A packet that ends inside an ERROR/INFO token is held until the token completes (at most
 * one token, ≤ 64 KiB). Once a redaction changes a message, the rest of this response is
 * re-packetised: original bytes, with each changed token replaced (its lengths recomputed).
 */
export class ResponseScanner implements ResponseFacts {
  rows = 0;
  errorNumber: number | undefined;
  attentionAcknowledged = false;
  database: string | undefined;
  returnedHandle: number | undefined;
  readonly maskedValues = 0;
  /** ERROR/INFO tokens whose text the redactor changed. */
  redactedMessages = 0;

  readonly #options: ResponseScannerOptions;
  readonly #scanner: TokenScanner;
  /** Made once: the scanner hands it every token as it is read. */
  readonly #visitor: TokenVisitor;
  /** Verbatim mode: packets waiting for an ERROR/INFO token that continues past them. */
  #held: Packet[] = [];
  /** Re-packetising mode: set by the first changed message. */
  #writer: StreamingMessageWriter | undefined;
  /** Re-packetising mode: payload not yet sent, starting at absolute offset `#piecesFrom`. */
  #pieces: Buffer[] = [];
  #piecesFrom = 0;
  #replacements: Replacement[] = [];

  constructor(options: ResponseScannerOptions) {
    this.#options = options;
    this.#scanner = new TokenScanner(options);
    this.#visitor = { token: (token, start, end) => this.#token(token, start, end) };
  }

  /** Ready for the next response, as if new: the relay reuses one scanner per session, not one per response. */
  reset(): void {
    this.rows = 0;
    this.errorNumber = undefined;
    this.attentionAcknowledged = false;
    this.database = undefined;
    this.returnedHandle = undefined;
    this.redactedMessages = 0;
    this.#scanner.reset();
    if (this.#held.length > 0) this.#held = [];
    this.#writer = undefined;
    if (this.#pieces.length > 0) this.#pieces = [];
    this.#piecesFrom = 0;
    if (this.#replacements.length > 0) this.#replacements = [];
  }

  /** One packet of the response, in order. */
  push(packet: Packet): void {
    this.#scanner.scan(packet.payload, this.#visitor);
    const frontier = this.#frontier();
    if (!this.#writer) {
      if (this.#replacements.length === 0 && frontier === this.#scanner.received && this.#held.length === 0) {
        // Nothing held, nothing changed: the packet goes as it came, at once.
        this.#options.send(packet.raw);
        return;
      }
      this.#held.push(packet);
      if (this.#replacements.length === 0) {
        if (frontier === this.#scanner.received) this.#releaseHeld();
        return;
      }
      // The first changed message: everything not yet sent is re-packetised from here on.
      this.#writer = new StreamingMessageWriter(PacketType.TabularResult, (bytes) => (this.#options.send(bytes), true), {
        packetSize: this.#options.packetSize,
        spid: packet.spid,
      });
      this.#piecesFrom = this.#scanner.received - this.#held.reduce((sum, held) => sum + held.payload.length, 0);
      this.#pieces = this.#held.map((held) => held.payload);
      this.#held = [];
    } else {
      this.#pieces.push(packet.payload);
    }
    this.#emitUpTo(frontier);
  }

  /** End of the message (after its last packet was pushed): a token cut by EOM is a protocol violation. */
  end(): void {
    this.#scanner.endOfMessage();
    if (this.#writer) {
      this.#emitUpTo(this.#scanner.received);
      this.#writer.end();
    } else {
      this.#releaseHeld();
    }
  }

  #token(token: Token, start: number, end: number): void {
    observeToken(this, token);
    if (token.kind === 'done' || token.kind === 'doneproc' || token.kind === 'doneinproc') return;
    if (token.kind !== 'error' && token.kind !== 'info') return;
    const message = this.#redact(token);
    if (message === token.message) return;
    this.redactedMessages++;
    this.#replacements.push({ start, end, bytes: encodeMessageToken(token.kind, { ...token, message }) });
  }

  #redact(token: MessageToken): string {
    try {
      return this.#options.redactText(token.message);
    } catch {
      return WITHHELD;
    }
  }

  /** Bytes up to here are final: everything, or up to an ERROR/INFO token still incomplete. */
  #frontier(): number {
    const type = this.#scanner.pendingType;
    return type === TokenType.Error || type === TokenType.Info ? this.#scanner.pendingStart! : this.#scanner.received;
  }

  #releaseHeld(): void {
    const held = this.#held;
    for (let i = 0; i < held.length; i++) this.#options.send(held[i]!.raw);
    held.length = 0;
  }

  #emitUpTo(frontier: number): void {
    while (this.#replacements.length > 0 && this.#replacements[0]!.end <= frontier) {
      const replacement = this.#replacements.shift()!;
      this.#advance(replacement.start, true);
      this.#writer!.push(replacement.bytes);
      this.#advance(replacement.end, false);
    }
    this.#advance(frontier, true);
  }

  /** Moves the pending payload up to absolute offset `to`, sending (`keep`) or dropping those bytes. */
  #advance(to: number, keep: boolean): void {
    while (this.#piecesFrom < to) {
      const head = this.#pieces[0]!;
      const n = Math.min(head.length, to - this.#piecesFrom);
      const taken = n === head.length ? head : head.subarray(0, n);
      if (keep) this.#writer!.push(taken);
      if (n === head.length) this.#pieces.shift();
      else this.#pieces[0] = head.subarray(n);
      this.#piecesFrom += n;
    }
  }
}
