import { Long } from 'bson';
import type { Action } from '@gatehouse/core';
import type { CompletedStatement, Logger, StatementOutcome } from '@gatehouse/proxy';
import { errorSummary } from '@gatehouse/proxy';
import { encodeDocumentValue } from '../protocol/bson-codec.js';
import type { MongoMessage } from '../protocol/message.js';
import { MsgFlag, decodeOpMsg, encodeOpMsg } from '../protocol/op-msg.js';
import { HEADER_BYTES, OpCode } from '../protocol/opcodes.js';
import type { CursorEntry, CursorRegistry } from './cursor-registry.js';
import type { DocumentMasker } from './document-masking.js';
import { maskingFailedReply } from './native-errors.js';
import { encodeReply, newRequestId } from './replies.js';
import { rewriteReplyParts } from './reply-rewrite.js';
import type { CursorCut, CursorSeen, ReplyContext } from './reply-rewrite.js';
import { summarizeReply } from './reply-summary.js';
import { limitBatch, rowLimitNotice, withNotice } from './row-limit.js';
import type { CompletionDetails } from './session-reporter.js';

/** A forwarded request whose reply is awaited. */
export interface PendingCommand {
  readonly command: string;
  readonly namespace: string;
  readonly outcome: StatementOutcome;
  readonly masker: DocumentMasker | undefined;
  readonly changeStream: boolean;
  readonly distinctKey: string | undefined;
  readonly objects: Action['objects'];
  readonly getMoreId: bigint | undefined;
  readonly killIds: readonly bigint[];
  /** The command's logical session, tracked so the client's killSessions can interrupt it. */
  readonly lsid: string | undefined;
  readonly db: string;
  /** performance.now() when the command arrived, for statementCompleted's duration. */
  readonly startedAt: number;
  /** At most this many documents per cursor (the decision's row limit, or the opening command's for getMore). */
  readonly rowLimit: number | undefined;
  /** The cursor a getMore continues. */
  readonly cursorEntry: CursorEntry | undefined;
  /** distinct's row limit on its `values`. */
  readonly valuesLimit: number | undefined;
}

/** What the reply path needs from its session: the two connections, the hooks and who is connected. */
export interface ReplyRelayHost {
  readonly cursors: CursorRegistry;
  readonly log: Logger;
  /** Whether statementCompleted is wired: replies are then summarized and their documents counted. */
  readonly reportsCompletion: boolean;
  principalId(): string;
  redactText(text: string): string;
  writeClient(bytes: Buffer): void;
  /** One message as consecutive pieces (written without copying them into one buffer). */
  writeClientParts(parts: readonly Buffer[]): void;
  /** Whether there is an upstream connection to send the gateway's own requests on. */
  upstreamOpen(): boolean;
  writeUpstream(bytes: Buffer): void;
  /** A command of logical session `lsid` got its reply (or will get none). */
  finished(lsid: string): void;
  completed(db: string, outcome: StatementOutcome, startedAt: number, result: CompletedStatement['result'], details?: CompletionDetails): void;
}

/** moreToCome request ids remembered per connection in case a non-conforming server replies. */
const MAX_UNANSWERED = 1_024;

/**
 * The reply path of one session: which requests await a reply, and what each reply becomes
 * before the client sees it (masked, cut to the row limit, its cursor registered or forgotten,
 * its outcome reported). Replies to the gateway's own requests and stray replies to moreToCome
 * requests are dropped; any other unexpected reply is a protocol violation (the caller's).
 */
export class ReplyRelay {
  readonly #host: ReplyRelayHost;
  readonly #pending = new Map<number, PendingCommand>();
  /** Requests the gateway itself sent upstream (killing a cursor cut by a row limit): their replies are dropped. */
  readonly #internal = new Set<number>();
  /** Client requests sent with moreToCome: a server should not answer; if one does, the reply is dropped. */
  readonly #unanswered = new Set<number>();

  constructor(host: ReplyRelayHost) {
    this.#host = host;
  }

  /** The host's text redactor (server error messages). */
  redactText(text: string): string {
    return this.#host.redactText(text);
  }

  /** Commands forwarded and not yet answered. */
  get awaiting(): number {
    return this.#pending.size;
  }

  /** The commands awaiting a reply, oldest first. */
  pendingCommands(): [number, PendingCommand][] {
    return [...this.#pending.entries()];
  }

  /** A forwarded request whose reply will come. */
  expectReply(requestId: number, pending: PendingCommand): void {
    // The client reuses a request id it once sent with moreToCome: this one does expect a reply.
    this.#unanswered.delete(requestId);
    this.#pending.set(requestId, pending);
  }

  /** Remembers a moreToCome request id (bounded), so a stray reply to it is dropped, not fatal. */
  expectNoReply(requestId: number): void {
    if (this.#unanswered.size >= MAX_UNANSWERED) this.#unanswered.delete(this.#unanswered.values().next().value!);
    this.#unanswered.add(requestId);
  }

  /** The upstream connection is abandoned: no reply to anything sent on it will come. */
  forgetAll(): void {
    this.#pending.clear();
    this.#internal.clear();
    this.#unanswered.clear();
  }

  /** One upstream message; throws on a reply nobody awaits or one the gateway cannot relay. */
  handle(message: MongoMessage): void {
    if (this.#internal.delete(message.responseTo)) return;
    const pending = this.#pending.get(message.responseTo);
    if (!pending && this.#unanswered.delete(message.responseTo)) return;
    if (!pending) throw new Error(`upstream reply to request ${message.responseTo}, which is not awaiting one`);
    const msg = decodeOpMsg(message);
    if ((msg.flags & MsgFlag.MoreToCome) !== 0) throw new Error('upstream streamed a reply (moreToCome) although exhaust was never allowed');
    this.#pending.delete(message.responseTo);
    const host = this.#host;
    if (pending.lsid !== undefined) host.finished(pending.lsid);
    const registry = host.cursors;
    const pass = new ReplyPass(this, pending, pending.rowLimit !== undefined || host.reportsCompletion);
    let body: Buffer[] | undefined;
    try {
      body = rewriteReplyParts(msg.body, pass);
    } catch (error) {
      if (error instanceof Error && error.name === 'MaskingError') {
        // Strict masking failed: the client gets an error, never the value; the cursor is not its to continue.
        host.log.warn({ err: errorSummary(error) }, 'result withheld: masking failed');
        if (pending.getMoreId !== undefined) registry.forget(pending.getMoreId);
        host.writeClient(encodeReply('msg', message.responseTo, maskingFailedReply()));
        host.completed(pending.db, pending.outcome, pending.startedAt, 'blocked', { maskedValues: pending.masker?.maskedValues ?? 0 });
        return;
      }
      throw error;
    }
    const { cursorRows, cutAt } = pass;
    for (const id of pending.killIds) registry.forget(id);
    if (cutAt !== undefined && body) {
      host.log.info({ principal: host.principalId(), command: pending.command, rowLimit: cutAt, rules: pending.outcome.decision.rules }, 'result cut by row limit');
      body = withNotice(body, rowLimitNotice(cutAt, pending.outcome.decision.rules));
    }
    if (host.reportsCompletion) {
      const summary = summarizeReply(msg.body, pending.command);
      const rows = cursorRows ?? (cutAt !== undefined && pending.command === 'distinct' ? cutAt : summary.rows);
      host.completed(pending.db, pending.outcome, pending.startedAt, summary.result, {
        ...(rows !== undefined ? { rows } : {}),
        ...(summary.errorCode !== undefined ? { errorCode: summary.errorCode } : {}),
        maskedValues: pending.masker?.maskedValues ?? 0,
      });
    }
    if (!body) {
      host.writeClient(message.raw);
      return;
    }
    if (msg.sequences.length > 0 || msg.checksumPresent) {
      const joined = Buffer.concat(body);
      host.writeClient(
        encodeOpMsg({ requestId: message.requestId, responseTo: message.responseTo, flags: msg.flags, body: joined, sequences: msg.sequences, checksum: msg.checksumPresent }),
      );
      return;
    }
    // The usual reply (one body section, no checksum): header and pieces are written as they are,
    // so a large masked batch is not copied again to be framed.
    let size = HEADER_BYTES + 5;
    for (const part of body) size += part.length;
    const head = Buffer.allocUnsafe(HEADER_BYTES + 5);
    head.writeInt32LE(size, 0);
    head.writeInt32LE(message.requestId, 4);
    head.writeInt32LE(message.responseTo, 8);
    head.writeInt32LE(OpCode.Msg, 12);
    head.writeUInt32LE(msg.flags >>> 0, 16);
    head[20] = 0;
    host.writeClientParts([head, ...body]);
  }

  /**
   * A cursor in a reply: registered to its principal when it opens, forgotten when it ends, and
   * held to the row limit across batches. Answers with a cut when the client must get fewer
   * documents; the server's cursor is then killed, as the client will never ask for the rest.
   * (Called by the reply being rewritten; not for the session.)
   */
  cursorSeen(cursor: CursorSeen, pending: PendingCommand): CursorCut | undefined {
    const registry = this.#host.cursors;
    const entry = pending.cursorEntry;
    const delivered = cursor.batch === 'nextBatch' ? (entry?.delivered ?? 0) : 0;
    const limited = cursor.batch === undefined ? undefined : limitBatch(pending.rowLimit, delivered, cursor.count, cursor.id);
    const kept = limited?.keep ?? cursor.count ?? 0;
    if (limited?.end && cursor.id !== 0n) {
      this.#killUpstreamCursor(cursor.namespace ?? pending.namespace, cursor.id);
    }
    const open = cursor.id !== 0n && !limited?.end;
    if (cursor.batch === 'firstBatch' && open) {
      registry.register(cursor.id, {
        owner: this.#host.principalId(),
        namespace: cursor.namespace ?? pending.namespace,
        objects: pending.objects,
        changeStream: pending.changeStream,
        ...(pending.rowLimit !== undefined ? { rowLimit: pending.rowLimit } : {}),
        delivered: kept,
      });
    } else if (cursor.batch === 'nextBatch') {
      if (!open && pending.getMoreId !== undefined) registry.forget(pending.getMoreId);
      else if (entry) entry.delivered = delivered + kept;
    }
    return limited ? { keep: limited.keep } : undefined;
  }

  /** killCursors sent by the gateway itself on this session's upstream connection; its reply is dropped. */
  #killUpstreamCursor(namespace: string, id: bigint): void {
    const dot = namespace.indexOf('.');
    if (dot < 0 || !this.#host.upstreamOpen()) return;
    let requestId = newRequestId();
    while (this.#pending.has(requestId)) requestId = newRequestId();
    this.#internal.add(requestId);
    const body = encodeDocumentValue({ killCursors: namespace.slice(dot + 1), cursors: [Long.fromBigInt(id)], $db: namespace.slice(0, dot) });
    this.#host.writeUpstream(encodeOpMsg({ requestId, responseTo: 0, body }));
  }
}

/**
 * One reply on its way through rewriteReplyParts: the context it reads and what the cursor
 * callbacks learn (rows counted, where a row limit cut). A class rather than an object of closures:
 * one allocation per reply, no functions created for it.
 */
class ReplyPass implements ReplyContext {
  readonly masker: DocumentMasker | undefined;
  readonly namespace: string;
  readonly changeStream: boolean;
  readonly distinctKey: string | undefined;
  readonly countRows: boolean;
  readonly valuesLimit: number | undefined;
  /** Documents the client gets in the reply's cursor batches, when counted. */
  cursorRows: number | undefined;
  /** Where a row limit cut the result (documents, or distinct's values). */
  cutAt: number | undefined;
  readonly #relay: ReplyRelay;
  readonly #pending: PendingCommand;

  constructor(relay: ReplyRelay, pending: PendingCommand, countRows: boolean) {
    this.#relay = relay;
    this.#pending = pending;
    this.masker = pending.masker;
    this.namespace = pending.namespace;
    this.changeStream = pending.changeStream;
    this.distinctKey = pending.distinctKey;
    this.countRows = countRows;
    this.valuesLimit = pending.command === 'distinct' ? pending.valuesLimit : undefined;
  }

  onValuesCut(): void {
    this.cutAt = this.valuesLimit;
  }

  redactText(text: string): string {
    return this.#relay.redactText(text);
  }

  onCursor(cursor: CursorSeen): CursorCut | undefined {
    const cut = this.#relay.cursorSeen(cursor, this.#pending);
    this.cursorRows = (this.cursorRows ?? 0) + (cut?.keep ?? cursor.count ?? 0);
    if (cut && this.#pending.rowLimit !== undefined) this.cutAt = this.#pending.rowLimit;
    return cut;
  }
}
