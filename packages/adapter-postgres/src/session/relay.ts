import type { Duplex } from 'node:stream';
import type { Action, Masker } from '@gatehouse/core';
import type { StatementOutcome } from '@gatehouse/proxy';
import { BackendCode, FrontendCode } from '../protocol/codes.js';
import type { BackendReader } from '../protocol/backend-reader.js';
import { commandCompleteRows, MALFORMED_TAG, NO_ROWS, wholeBackendMessageSize, wholeFrontendMessageSize } from '../protocol/backend-scan.js';
import type { Frame } from '../protocol/frame.js';
import type { FrontendReader } from '../protocol/frontend-reader.js';
import { decodeErrorResponse, decodeNoticeResponse, encodeErrorResponse, encodeNoticeResponse } from '../protocol/messages/error-notice.js';
import type { ErrorNoticeMessage } from '../protocol/messages/error-notice.js';
import { decodeBindTarget, decodeClose, decodeDescribe, decodeExecute, decodeParse, encodeDescribe, encodeParse } from '../protocol/messages/extended.js';
import type { ParseMessage } from '../protocol/messages/extended.js';
import { TypedFrame } from '../protocol/push-reader.js';
import { decodeCommandComplete, decodeQuery, encodeQuery } from '../protocol/messages/query.js';
import { decodeRowDescription } from '../protocol/messages/rows.js';
import type { FieldDescription } from '../protocol/messages/rows.js';
import { decodeParameterStatus, decodeReadyForQuery, encodeTerminate } from '../protocol/messages/session.js';
import type { CatalogLookup } from './catalog.js';
import {
  maskingFailedError,
  protocolViolationError,
  refusalError,
  gateFailedError,
  shuttingDownError,
  unboundPortalError,
  unpreparedStatementError,
} from './native-errors.js';
import { pinnedSettingDecision, pinnedSettingViolation, touchesPinnedSetting } from './pinned-settings.js';
import { copyMaskerFor, rowMaskerFor } from './result-masking.js';
import type { RowMasker } from './result-masking.js';
import { FramePump } from './frame-pump.js';
import type { HandlerResult } from './frame-pump.js';
import { copyOutFormat } from './copy-format.js';
import type { CopyOutFormat } from './copy-format.js';
import type { CopyRowMasker } from './copy-masking.js';
import { decodeCopyResponse } from '../protocol/messages/copy.js';
import { cutCommandComplete, LimitedResponse, RowAllowance, rowLimitNotice } from './row-limit.js';
import { rowLimitRefusal } from './row-limit-refusals.js';
import { declaredCursor, fetchedCursor } from './sql-cursor-names.js';
import { upstreamText } from './upstream-text.js';
import { coalesceOutgoing } from './outgoing.js';
import type { UpstreamReads } from './upstream-reads.js';
import type { Outgoing } from './outgoing.js';

/**
 * A refused statement is replaced by one that cannot parse. Its syntax error comes back from the
 * upstream in the statement's place and is swapped for the refusal: ordering with pipelined
 * requests, implicit-transaction rollback and aborted transaction blocks are then exactly the
 * server's own, and upstream state never disagrees with what the client was told.
 */
const REFUSED_MARKER = 'GATEHOUSE_REFUSED';
const REFUSED_SQL = `/* gatehouse: statement refused by policy */ ${REFUSED_MARKER}`;
const REFUSED_QUERY = encodeQuery(REFUSED_SQL);
const REFUSED_PARSE = encodeParse('', REFUSED_SQL);

/** Error fields that can carry values from the data (message, detail, context, internal query). */
const VALUE_BEARING_FIELDS = ['M', 'D', 'W', 'q', 'H'];

/** The server reports a pinned setting changed (e.g. by a function the policy allowed): the session ends. */
class PinnedSettingChangedError extends Error {
  constructor(what: string) {
    super(`${what}; the gateway cannot read statements as the server would, so the session ends`);
  }
}

/** What the upstream owes us, in order: one entry per client request that gets a response. */
type Pending =
  | { kind: 'query'; outcome: StatementOutcome; refusal?: Buffer; copyFormat?: CopyOutFormat | undefined; stats: RequestStats; declared?: number }
  | { kind: 'parse'; refusal?: Buffer }
  | { kind: 'bind'; named?: { name: string; portal: Portal } }
  | { kind: 'describe-statement' }
  | { kind: 'describe-portal'; portal: Portal | undefined; injected: boolean }
  | { kind: 'execute'; portal: Portal; started: boolean; stats: RequestStats }
  | { kind: 'close' }
  | { kind: 'sync' };

interface PreparedStatement {
  readonly outcome: StatementOutcome;
  /** For a COPY … TO STDOUT under a mask plan: the output format, if the gateway can parse it. */
  readonly copyFormat?: CopyOutFormat | undefined;
}

interface Portal {
  readonly statement: PreparedStatement;
  fields?: readonly FieldDescription[];
  /** Under a row limit: what the portal may still return over all its Executes. */
  readonly allowance?: RowAllowance;
}

/** What the client-side pass-through path did with one request (see Relay#passRequest). */
const PASSED = 0;
const HANDLED = 1;
const NOT_HANDLED = 2;
type PassResult = typeof PASSED | typeof HANDLED | typeof NOT_HANDLED;
/** The pass-through path hit a protocol violation: the session has ended. */
const FAILED = -1;

/** Entries that carry nothing but their kind: shared, never changed. */
const PARSE_PENDING: Pending = Object.freeze({ kind: 'parse' });
const BIND_PENDING: Pending = Object.freeze({ kind: 'bind' });
const DESCRIBE_STATEMENT_PENDING: Pending = Object.freeze({ kind: 'describe-statement' });
const CLOSE_PENDING: Pending = Object.freeze({ kind: 'close' });
const SYNC_PENDING: Pending = Object.freeze({ kind: 'sync' });

/** What the relay needs from the session: the decision step, masking, the catalog, redaction. */
export interface RelayContext {
  decide(text: string): StatementOutcome;
  decideActions(actions: readonly Action[]): StatementOutcome;
  readonly masker: Masker;
  readonly catalog: CatalogLookup;
  /** The upstream database name, the first part of dotted table names. */
  readonly database: string;
  /** Redacts free text from the server (errors, notices). */
  redactText(text: string): string;
  /** Asks the upstream to cancel the statement in flight (masking failed mid-result). */
  cancelUpstream(): void;
  /** Called once per decided statement, before anything is sent upstream. */
  onStatement?(outcome: StatementOutcome): void;
  /** The W3C traceparent to carry upstream with a statement the gate let through (sqlcommenter comment). */
  traceContext?(outcome: StatementOutcome): string | undefined;
  /**
   * The last word before a decided request is forwarded: may wait (a durable audit write, an
   * approval hold) and may refuse. Without a gate, `allow` forwards and anything else is refused.
   */
  gate?(outcome: StatementOutcome): GateVerdict | Promise<GateVerdict>;
  /** One event per Query or Execute once its response is complete (for audit and telemetry). */
  onCompleted?(event: CompletedRequest): void;
  onProtocolError?(side: 'client' | 'upstream', error: unknown): void;
}

/** The COPY output format, captured only when a COPY runs under a mask plan (the text stays in memory). */
function copyFormatFor(text: string, outcome: StatementOutcome): CopyOutFormat | undefined {
  if (!outcome.decision.obligations.mask || !outcome.actions.some((action) => action.operation === 'COPY')) return undefined;
  return copyOutFormat(text);
}

/** What the gate says: forward the request as sent, or refuse it with this ErrorResponse. */
export type GateVerdict = { readonly forward: true } | { readonly forward: false; readonly refusal: Buffer };

const FORWARD: GateVerdict = { forward: true };

/** The default gate: the decision alone. */
function decisionVerdict(outcome: StatementOutcome): GateVerdict {
  return outcome.decision.effect === 'allow' ? FORWARD : { forward: false, refusal: refusalError(outcome.decision) };
}

/** A Query or Execute whose response is complete. */
export interface CompletedRequest {
  readonly outcome: StatementOutcome;
  /** ok: completed; error: the server refused it; blocked: the gateway refused it. */
  readonly result: 'ok' | 'error' | 'blocked';
  /** Rows from the CommandComplete tag (SELECT n, INSERT 0 n, UPDATE n, …), when it had one. */
  readonly rows?: number;
  readonly durationMs: number;
  /** The server's SQLSTATE when it refused (never its message). */
  readonly sqlState?: string;
  readonly maskedValues: number;
}

/** Request bookkeeping shared by Query and Execute entries, for the completion event. */
interface RequestStats {
  readonly startedAt: number;
  rows?: number;
  sqlState?: string;
  maskedValues: number;
}

/** Completion events are optional; without a listener the clock is not read. */
function newStats(timed: boolean): RequestStats {
  return { startedAt: timed ? performance.now() : 0, maskedValues: 0 };
}

/** `SELECT 5`, `INSERT 0 3`, `UPDATE 2`, `COPY 7` → the last number; none for `BEGIN`. */
function rowsOfTag(tag: string): number | undefined {
  const match = /(\d+)$/.exec(tag);
  return match ? Number(match[1]) : undefined;
}

/** Fastpath FunctionCall names a function by OID: nothing to classify, so it is decided as such. */
const FUNCTION_CALL_ACTION: Action = {
  dialect: 'postgres',
  category: 'unknown',
  operation: 'FUNCTION CALL',
  objects: [],
  flags: ['dynamic'],
  fingerprint: '<fastpath function call>',
  redactedText: '<fastpath function call>',
};

/**
 * The steady state of one PostgreSQL session: client messages are decided before a byte goes
 * upstream; upstream messages come back with errors redacted and, when the decision carries a mask
 * plan, rows masked. Nothing is buffered beyond the chunk in hand; each side pauses while the
 * other cannot take more.
 */
export class Relay {
  readonly #client: Duplex;
  readonly #upstream: Duplex;
  readonly #clientReader: FrontendReader;
  readonly #upstreamReader: BackendReader;
  readonly #context: RelayContext;
  readonly #upstreamReads: UpstreamReads | undefined;

  readonly #pending: Pending[] = [];
  readonly #statements = new Map<string, PreparedStatement>();
  readonly #portals = new Map<string, Portal>();
  /** A refused Parse: the client's messages are dropped up to its Sync, as the server would. */
  #discardingUntilSync = false;
  /** The server hit an error and skips to the next Sync it has not yet been sent. */
  #upstreamSkipping = false;
  #rowMasker: RowMasker | undefined;
  #copyMasker: CopyRowMasker | undefined;
  /** A strict masking failure: the rest of this request's results are withheld. */
  #suppressUntilReady = false;
  /** Under a row limit: the response in progress, drawing on its statement's allowance. */
  #limited: LimitedResponse | undefined;
  /**
   * What each cursor may still return over all its FETCHes, by the server's name for it: SQL
   * cursors declared under a row limit, and named portals bound under one (SQL can FETCH those too).
   */
  readonly #cursorAllowances = new Map<string, RowAllowance>();
  /** A cursor was opened under a row limit: from now on every FETCH must be countable. */
  #limitedCursors = false;
  #transactionStatus: 'I' | 'T' | 'E';
  /** The last Parse received, to skip decoding it again when the client repeats it byte for byte. */
  #lastParse: { readonly raw: Buffer; readonly parse: ParseMessage } | undefined;
  #pinnedChecked: string | undefined;
  #pinnedTouched = false;

  /** What the handled frames produced for each side, written at the pump's flush (then replaced, not emptied). */
  #toUpstream: Outgoing[] = [];
  #toClient: Outgoing[] = [];
  /** A gate the client-side pass-through path left waiting; the frames after its request follow it. */
  #clientWait: Promise<void> | undefined;
  /** Client frames in order; waits while a gate decides. */
  readonly #clientPump: FramePump<Frame>;
  /** Upstream frames in order; waits while the catalog names a result's columns. */
  readonly #upstreamPump: FramePump<Frame>;

  #draining = false;
  #ended = false;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(
    sides: {
      client: Duplex;
      clientReader: FrontendReader;
      upstream: Duplex;
      upstreamReader: BackendReader;
      /** A plaintext upstream's reads, whose memory the relay lets be read into again. */
      upstreamReads?: UpstreamReads | undefined;
      transactionStatus: 'I' | 'T' | 'E';
    },
    context: RelayContext,
  ) {
    this.#client = sides.client;
    this.#upstream = sides.upstream;
    this.#clientReader = sides.clientReader;
    this.#upstreamReader = sides.upstreamReader;
    this.#transactionStatus = sides.transactionStatus;
    this.#upstreamReads = sides.upstreamReads;
    this.#context = context;
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#clientPump = new FramePump(this.#client, {
      handle: (frame) => this.#clientFrame(frame),
      flush: () => {
        const queued = this.#toUpstream;
        if (queued.length === 0) return;
        this.#toUpstream = [];
        this.#write(this.#upstream, queued, this.#clientPump);
      },
      fail: (error) => this.#protocolViolation('client', error),
      ended: () => this.#ended,
    });
    this.#upstreamPump = new FramePump(this.#upstream, {
      handle: (frame) => this.#upstreamFrame(frame),
      flush: () => {
        const queued = this.#toClient;
        if (queued.length === 0) return;
        this.#toClient = [];
        this.#write(this.#client, queued, this.#upstreamPump);
      },
      drained: () => {
        if (this.#draining && this.#idle()) this.#shutdown();
      },
      fail: (error) => this.#protocolViolation('upstream', error),
      ended: () => this.#ended,
    });
  }

  get closed(): Promise<void> {
    return this.#closed;
  }

  get transactionStatus(): 'I' | 'T' | 'E' {
    return this.#transactionStatus;
  }

  /** Starts relaying; `clientFrames`/`upstreamFrames` were read during the handshake but not handled. */
  start(clientFrames: readonly Frame[], upstreamFrames: readonly Frame[]): void {
    this.#client.on('data', (chunk: Buffer) => this.#onClientData(chunk));
    this.#upstream.on('data', (chunk: Buffer) => this.#onUpstreamData(chunk));
    this.#client.on('end', () => this.#end('client closed'));
    this.#client.on('close', () => this.#end('client closed'));
    this.#client.on('error', () => this.#end('client socket error'));
    this.#upstream.on('end', () => this.#end('upstream closed'));
    this.#upstream.on('close', () => this.#end('upstream closed'));
    this.#upstream.on('error', () => this.#end('upstream socket error'));
    // A chunk from the upstream is done with once handled: its frames are written at once (the
    // flush at the end of the pump's run), unless a handler is waiting with frames of it queued or
    // the client socket still holds a write of it.
    this.#upstreamReads?.reuseWhen(() => !this.#ended && !this.#upstreamPump.waiting && this.#client.writableLength === 0);
    this.#upstreamPump.push([...upstreamFrames]);
    this.#clientPump.push([...clientFrames]);
  }

  /** Graceful shutdown: end once nothing is in flight (now, when idle). */
  drain(): void {
    this.#draining = true;
    if (this.#idle()) this.#shutdown();
  }

  /** Ends the session now. */
  close(reason: string): void {
    this.#end(reason);
  }

  // ── client → upstream ────────────────────────────────────────────────────────────────────────

  #onClientData(chunk: Buffer): void {
    let rest = chunk;
    const handled = this.#passClient(chunk);
    if (handled === FAILED) return;
    const wait = this.#clientWait;
    this.#clientWait = undefined;
    if (handled === chunk.length && wait === undefined && this.#toUpstream.length === 0) {
      this.#writeClientChunk(chunk);
      return;
    }
    // What was handled in place is queued (its bytes, or what replaced them); the rest follows it.
    if (handled > 0) rest = chunk.subarray(handled);
    let frames: Frame[];
    try {
      frames = this.#clientReader.push(rest);
    } catch (error) {
      this.#protocolViolation('client', error);
      return;
    }
    if (wait) this.#clientPump.pushAfter(wait, frames);
    else this.#clientPump.push(frames);
  }

  /**
   * The client-side pass-through path, mirror of #passThrough: while nothing waits and nothing is
   * being discarded, the leading requests of a chunk (Query, Parse, Bind, Describe, Execute, Close,
   * Sync, Flush) are decided and accounted for in place, exactly as #clientFrame would, and go
   * upstream as the bytes they arrived in: no frame list, no pump run, no per-message write. Returns
   * how many leading bytes were handled; when that is not the whole chunk, or a decided request was
   * refused, rewritten or must wait for its gate, the handled part is queued in #toUpstream (and a
   * wait in #clientWait), and everything after it takes the full path. FAILED: the session ended.
   */
  #passClient(chunk: Buffer): number {
    const reader = this.#clientReader;
    if (
      this.#ended ||
      this.#clientPump.waiting ||
      this.#discardingUntilSync ||
      this.#toUpstream.length !== 0 ||
      reader.bufferedBytes !== 0 ||
      reader.state !== 'reading' ||
      reader.phase !== 'typed'
    ) {
      return 0;
    }
    const maxMessageBytes = reader.maxMessageBytes;
    let offset = 0;
    try {
      while (offset < chunk.length && !this.#ended) {
        const size = wholeFrontendMessageSize(chunk, offset, maxMessageBytes);
        if (size === 0) break;
        const passed = this.#passRequest(new TypedFrame(chunk, offset, size));
        if (passed === PASSED) {
          offset += size;
          continue;
        }
        if (passed === HANDLED) {
          // Handled, but not as its own bytes: what precedes it goes first, then its replacement.
          if (offset > 0) this.#toUpstream.unshift(chunk.subarray(0, offset));
          return offset + size;
        }
        break; // NOT_HANDLED: nothing changed; the full path takes it from here
      }
    } catch (error) {
      this.#protocolViolation('client', error);
      return FAILED;
    }
    if (offset > 0 && offset < chunk.length) this.#toUpstream.push(chunk.subarray(0, offset));
    return offset;
  }

  /**
   * One client request on the pass-through path: PASSED (accounted for, its bytes go upstream as
   * they are), HANDLED (done as #clientFrame would, but its bytes were replaced or it waits for its
   * gate: the pass-through stops after it), or NOT_HANDLED with nothing changed.
   */
  #passRequest(frame: TypedFrame): PassResult {
    switch (frame.code) {
      case FrontendCode.Query: {
        const { text: query } = decodeQuery(frame);
        const outcome = this.#decide(query);
        const copyFormat = copyFormatFor(outcome.forwardText ?? query, outcome);
        const verdict = this.#verdict(outcome);
        if (verdict instanceof Promise) {
          this.#clientWait = verdict.then((settled) => this.#gatedQuery(frame, query, outcome, copyFormat, settled));
          return HANDLED;
        }
        if (!verdict.forward) {
          this.#gatedQuery(frame, query, outcome, copyFormat, verdict);
          return HANDLED;
        }
        const text = this.#forwardedText(query, outcome);
        if (text !== undefined) this.#toUpstream.push(encodeQuery(text));
        this.#queryForwarded(outcome, copyFormat);
        return text === undefined ? PASSED : HANDLED;
      }
      case FrontendCode.Parse: {
        const parse = this.#decodeParse(frame);
        const outcome = this.#decide(parse.query);
        const copyFormat = copyFormatFor(outcome.forwardText ?? parse.query, outcome);
        const verdict = this.#verdict(outcome);
        if (verdict instanceof Promise) {
          this.#clientWait = verdict.then((settled) => this.#gatedParse(frame, parse, outcome, copyFormat, settled));
          return HANDLED;
        }
        if (!verdict.forward) {
          this.#gatedParse(frame, parse, outcome, copyFormat, verdict);
          return HANDLED;
        }
        const text = this.#forwardedText(parse.query, outcome);
        if (text !== undefined) this.#toUpstream.push(encodeParse(parse.name, text, parse.paramTypeOids));
        this.#parseForwarded(parse, outcome, copyFormat);
        return text === undefined ? PASSED : HANDLED;
      }
      case FrontendCode.Bind: {
        // Only what needs no named cursor, row allowance or refusal; the rest is #clientFrame's.
        const bind = decodeBindTarget(frame);
        const statement = this.#statements.get(bind.statement);
        if (!statement || statement.outcome.decision.obligations.rowLimit !== undefined || (bind.portal !== '' && this.#cursorAllowances.size !== 0)) {
          return NOT_HANDLED;
        }
        this.#portals.set(bind.portal, { statement });
        this.#expect(BIND_PENDING);
        return PASSED;
      }
      case FrontendCode.Execute: {
        const { portal: name } = decodeExecute(frame);
        const portal = this.#portals.get(name);
        // Refused, or needs a Describe injected first: #clientFrame's.
        if (!portal || portal.statement.outcome.decision.obligations.mask) return NOT_HANDLED;
        this.#expect({ kind: 'execute', portal, started: false, stats: this.#newStats() });
        return PASSED;
      }
      case FrontendCode.Describe:
        this.#describeForwarded(frame);
        return PASSED;
      case FrontendCode.Close:
        this.#closeForwarded(frame);
        return PASSED;
      case FrontendCode.Sync:
        this.#syncForwarded();
        return PASSED;
      case FrontendCode.Flush:
        return PASSED;
      default:
        return NOT_HANDLED;
    }
  }

  /**
   * What the gate says about a decided request: now, or once it resolves. A gate that fails
   * refuses: nothing is forwarded on an error.
   */
  #verdict(outcome: StatementOutcome): GateVerdict | Promise<GateVerdict> {
    let verdict: GateVerdict | Promise<GateVerdict>;
    try {
      verdict = this.#context.gate ? this.#context.gate(outcome) : decisionVerdict(outcome);
    } catch {
      return { forward: false, refusal: gateFailedError() };
    }
    if (verdict instanceof Promise) return verdict.catch(() => ({ forward: false, refusal: gateFailedError() }));
    return verdict;
  }

  #clientFrame(frame: Frame): HandlerResult {
    const out = this.#toUpstream;
    switch (frame.code) {
      case FrontendCode.Query: {
        const { text: query } = decodeQuery(frame);
        const outcome = this.#decide(query);
        const copyFormat = copyFormatFor(outcome.forwardText ?? query, outcome);
        const verdict = this.#verdict(outcome);
        if (verdict instanceof Promise) return verdict.then((settled) => this.#gatedQuery(frame, query, outcome, copyFormat, settled));
        this.#gatedQuery(frame, query, outcome, copyFormat, verdict);
        return undefined;
      }
      case FrontendCode.Parse: {
        if (this.#discardingUntilSync) return undefined;
        const parse = this.#decodeParse(frame);
        const outcome = this.#decide(parse.query);
        const copyFormat = copyFormatFor(outcome.forwardText ?? parse.query, outcome);
        const verdict = this.#verdict(outcome);
        if (verdict instanceof Promise) return verdict.then((settled) => this.#gatedParse(frame, parse, outcome, copyFormat, settled));
        this.#gatedParse(frame, parse, outcome, copyFormat, verdict);
        return undefined;
      }
      case FrontendCode.Bind: {
        if (this.#discardingUntilSync) return;
        const bind = decodeBindTarget(frame);
        const statement = this.#statements.get(bind.statement);
        if (!statement) {
          // Protocol and SQL-level prepared statements share one namespace: a name the gateway
          // did not see parsed (e.g. from SQL PREPARE) is refused rather than run undecided.
          out.push(REFUSED_PARSE);
          this.#expect({ kind: 'parse', refusal: unpreparedStatementError() });
          this.#discardingUntilSync = true;
          return;
        }
        const rowLimit = statement.outcome.decision.obligations.rowLimit;
        const portal: Portal = rowLimit === undefined ? { statement } : { statement, allowance: new RowAllowance(rowLimit) };
        this.#portals.set(bind.portal, portal);
        out.push(frame);
        if (bind.portal === '' || (rowLimit === undefined && this.#cursorAllowances.size === 0)) {
          this.#expect(BIND_PENDING);
          return;
        }
        // A named portal is also a cursor SQL can FETCH from: it shares its allowance with that name.
        if (rowLimit !== undefined) this.#limitedCursors = true;
        this.#expect({ kind: 'bind', named: { name: bind.portal, portal } });
        return;
      }
      case FrontendCode.Describe:
        if (this.#discardingUntilSync) return;
        this.#describeForwarded(frame);
        out.push(frame);
        return;
      case FrontendCode.Execute: {
        if (this.#discardingUntilSync) return;
        const { portal: name } = decodeExecute(frame);
        const portal = this.#portals.get(name);
        if (!portal) {
          // Portals and SQL cursors share one namespace: a portal the gateway did not bind (e.g. a
          // DECLARE … CURSOR) would return rows without this session's mask plan, so it is refused.
          out.push(REFUSED_PARSE);
          this.#expect({ kind: 'parse', refusal: unboundPortalError() });
          this.#discardingUntilSync = true;
          return;
        }
        if (
          portal.statement.outcome.decision.obligations.mask &&
          !portal.fields &&
          !this.#pending.some((entry) => entry.kind === 'describe-portal' && entry.portal === portal)
        ) {
          // Rows are masked by column, so the gateway needs this portal's description first.
          out.push(encodeDescribe('P', name));
          this.#expect({ kind: 'describe-portal', portal, injected: true });
        }
        out.push(frame);
        // The portal object travels with the request: responses are matched to what was executed,
        // whatever the client does to the name afterwards.
        this.#expect({ kind: 'execute', portal, started: false, stats: this.#newStats() });
        return;
      }
      case FrontendCode.Close:
        if (this.#discardingUntilSync) return;
        this.#closeForwarded(frame);
        out.push(frame);
        return;
      case FrontendCode.Sync:
        this.#syncForwarded();
        out.push(frame);
        return;
      case FrontendCode.Flush:
        out.push(frame);
        return;
      case FrontendCode.CopyData:
      case FrontendCode.CopyDone:
      case FrontendCode.CopyFail:
        // COPY FROM STDIN data: the COPY statement itself was decided.
        out.push(frame);
        return;
      case FrontendCode.FunctionCall: {
        const outcome = this.#context.decideActions([FUNCTION_CALL_ACTION]);
        this.#context.onStatement?.(outcome);
        const verdict = this.#verdict(outcome);
        if (verdict instanceof Promise) return verdict.then((settled) => this.#gatedFunctionCall(frame, outcome, settled));
        this.#gatedFunctionCall(frame, outcome, verdict);
        return undefined;
      }
      case FrontendCode.Terminate:
        this.#upstream.end(frame.raw);
        this.#end('client terminated');
        return;
      default:
        throw new Error(`unexpected client message '${String.fromCharCode(frame.code)}' after startup`);
    }
  }

  /** A Query as its verdict has it: forwarded (as decided: the rewrite, when there is one), or refused. */
  #gatedQuery(frame: Frame, query: string, outcome: StatementOutcome, copyFormat: CopyOutFormat | undefined, verdict: GateVerdict): void {
    if (verdict.forward) {
      const text = this.#forwardedText(query, outcome);
      this.#toUpstream.push(text === undefined ? frame : encodeQuery(text));
      this.#queryForwarded(outcome, copyFormat);
    } else {
      this.#toUpstream.push(REFUSED_QUERY);
      this.#expect({ kind: 'query', outcome, refusal: verdict.refusal, stats: this.#newStats() });
    }
  }

  #gatedParse(frame: Frame, parse: ParseMessage, outcome: StatementOutcome, copyFormat: CopyOutFormat | undefined, verdict: GateVerdict): void {
    if (verdict.forward) {
      // The text prepared upstream is the one decided on: the rewrite, when there is one.
      const text = this.#forwardedText(parse.query, outcome);
      this.#toUpstream.push(text === undefined ? frame : encodeParse(parse.name, text, parse.paramTypeOids));
      this.#parseForwarded(parse, outcome, copyFormat);
    } else {
      this.#statements.delete(parse.name);
      this.#toUpstream.push(REFUSED_PARSE);
      this.#expect({ kind: 'parse', refusal: verdict.refusal });
      this.#discardingUntilSync = true;
    }
  }

  /** A Describe forwarded as it is: the response it is owed. */
  #describeForwarded(frame: Frame): void {
    const describe = decodeDescribe(frame);
    // The portal object, not its name: a later Close or Bind in the same pipeline may reuse the name.
    this.#expect(
      describe.kind === 'S' ? DESCRIBE_STATEMENT_PENDING : { kind: 'describe-portal', portal: this.#portals.get(describe.name), injected: false },
    );
  }

  /** A Close forwarded as it is: the statement or portal is gone, and a CloseComplete is owed. */
  #closeForwarded(frame: Frame): void {
    const close = decodeClose(frame);
    if (close.kind === 'S') this.#statements.delete(close.name);
    else this.#portals.delete(close.name);
    this.#expect(CLOSE_PENDING);
  }

  /** A Sync forwarded: discarding (ours and the server's) ends there, and a ReadyForQuery is owed. */
  #syncForwarded(): void {
    this.#discardingUntilSync = false;
    this.#upstreamSkipping = false;
    this.#pending.push(SYNC_PENDING);
  }

  /** A Query forwarded (as the client's bytes or rewritten): the response it is owed. */
  #queryForwarded(outcome: StatementOutcome, copyFormat: CopyOutFormat | undefined): void {
    this.#expect({ kind: 'query', outcome, copyFormat, stats: this.#newStats() });
  }

  /** A Parse forwarded (as the client's bytes or rewritten): its statement, and the response it is owed. */
  #parseForwarded(parse: ParseMessage, outcome: StatementOutcome, copyFormat: CopyOutFormat | undefined): void {
    this.#statements.set(parse.name, { outcome, copyFormat });
    this.#expect(PARSE_PENDING);
  }

  #gatedFunctionCall(frame: Frame, outcome: StatementOutcome, verdict: GateVerdict): void {
    if (verdict.forward) {
      this.#toUpstream.push(frame);
      this.#expect({ kind: 'query', outcome, stats: this.#newStats() });
    } else {
      // A failed FunctionCall answers ErrorResponse + ReadyForQuery, as a failed Query does.
      this.#toUpstream.push(REFUSED_QUERY);
      this.#expect({ kind: 'query', outcome, refusal: verdict.refusal, stats: this.#newStats() });
    }
  }

  /**
   * Drivers send the same Parse over and over (an unnamed statement per execution): when its bytes
   * repeat the last one's, the decoded message is reused, and with it the very same query string,
   * which the classifier and decider then find by identity.
   */
  #decodeParse(frame: Frame): ParseMessage {
    const last = this.#lastParse;
    if (last && frame instanceof TypedFrame && last.raw.length === frame.size && last.raw.compare(frame.source, frame.start, frame.start + frame.size) === 0) {
      return last.parse;
    }
    const parse = decodeParse(frame);
    this.#lastParse = { raw: frame.raw, parse };
    return parse;
  }

  #newStats(): RequestStats {
    return newStats(this.#context.onCompleted !== undefined);
  }

  #decide(text: string): StatementOutcome {
    let outcome = this.#context.decide(text);
    if (this.#touchesPinnedSetting(text, outcome.actions)) outcome = { actions: outcome.actions, decision: pinnedSettingDecision() };
    else if (outcome.decision.obligations.rowLimit !== undefined || this.#limitedCursors) {
      if (outcome.decision.obligations.rowLimit !== undefined && outcome.actions.some((action) => action.operation === 'DECLARE CURSOR')) {
        // The cursor's rows come back through FETCHes, whose own decisions may carry no limit.
        this.#limitedCursors = true;
      }
      const refusal = rowLimitRefusal(outcome.decision, outcome.actions, this.#limitedCursors);
      if (refusal) outcome = { actions: outcome.actions, decision: refusal };
    }
    this.#context.onStatement?.(outcome);
    return outcome;
  }

  /** touchesPinnedSetting, remembered for the last text (a repeated Parse hands back the same string). */
  #touchesPinnedSetting(text: string, actions: readonly Action[]): boolean {
    if (text !== this.#pinnedChecked) {
      this.#pinnedChecked = text;
      this.#pinnedTouched = touchesPinnedSetting(text, actions);
    }
    return this.#pinnedTouched;
  }

  /** What goes upstream for a forwarded statement: undefined = the client's bytes as they are. */
  #forwardedText(clientText: string, outcome: StatementOutcome): string | undefined {
    let traceparent: string | undefined;
    try {
      traceparent = this.#context.traceContext?.(outcome);
    } catch {
      // Trace context is an observer's extra: the statement goes without it.
    }
    return upstreamText(clientText, outcome.forwardText, traceparent);
  }

  /**
   * The allowance a response starting now draws on, under a row limit: the SQL cursor's for a
   * FETCH, the portal's for an Execute, a fresh one for a simple-protocol result set.
   */
  #allowanceFor(outcome: StatementOutcome, portal?: Portal): RowAllowance | undefined {
    const limit = outcome.decision.obligations.rowLimit;
    if (limit === undefined && !this.#limitedCursors) return undefined;
    const action = outcome.actions.length === 1 ? outcome.actions[0] : undefined;
    const cursor = action?.operation === 'FETCH' ? fetchedCursor(action) : undefined;
    if (cursor === undefined) return limit === undefined ? undefined : (portal?.allowance ?? new RowAllowance(limit));
    // The cursor's own allowance (from its DECLARE or Bind) wins over the FETCH's decision.
    let allowance = this.#cursorAllowances.get(cursor);
    if (!allowance && limit !== undefined) this.#cursorAllowances.set(cursor, (allowance = new RowAllowance(limit)));
    return allowance;
  }

  /** A cursor of this name now exists (DECLARE or Bind succeeded): its FETCHes draw on `allowance`, or nothing. */
  #cursorOpened(name: string, allowance: RowAllowance | undefined): void {
    if (allowance) this.#cursorAllowances.set(name, allowance);
    else this.#cursorAllowances.delete(name);
  }

  /** A DECLARE … CURSOR succeeded. In a Query, the n-th DECLARE tag is its n-th DECLARE. */
  #cursorDeclared(head: Pending | undefined, outcome: StatementOutcome): void {
    let declare: Action | undefined;
    if (head?.kind === 'execute') declare = outcome.actions[0];
    else if (head?.kind === 'query') {
      const index = (head.declared = (head.declared ?? 0) + 1) - 1;
      declare = outcome.actions.filter((action) => action.operation === 'DECLARE CURSOR')[index];
    }
    const name = declare?.operation === 'DECLARE CURSOR' ? declaredCursor(declare) : undefined;
    if (name === undefined) return;
    const limit = outcome.decision.obligations.rowLimit;
    this.#cursorOpened(name, limit === undefined ? undefined : new RowAllowance(limit));
  }

  /** Records a response the upstream owes, unless it is skipping to Sync and will send none. */
  #expect(entry: Pending): void {
    if (!this.#upstreamSkipping || entry.kind === 'query') this.#pending.push(entry);
  }

  // ── upstream → client ────────────────────────────────────────────────────────────────────────

  #onUpstreamData(chunk: Buffer): void {
    let rest = chunk;
    const passed = this.#passThrough(chunk);
    if (passed > 0) {
      const head = passed === chunk.length ? chunk : chunk.subarray(0, passed);
      if (passed === chunk.length && this.#toClient.length === 0) {
        this.#writeChunk(head);
        if (this.#draining && this.#idle()) this.#shutdown();
        return;
      }
      // The rest takes the full path; its frames follow these bytes in the same write.
      this.#toClient.push(head);
      rest = chunk.subarray(passed);
    }
    let frames: Frame[];
    try {
      frames = this.#upstreamReader.push(rest);
    } catch (error) {
      this.#protocolViolation('upstream', error);
      return;
    }
    this.#upstreamPump.push(frames);
  }

  /**
   * The pass-through path: while nothing is masked, limited, withheld or waited for, the leading
   * messages of a chunk that need no more than their headers (rows, descriptions, completions,
   * ReadyForQuery) are accounted for in place and forwarded as the bytes they arrived in, with no
   * Frame and no per-message write. Returns how many leading bytes were handled so; the first
   * message it cannot vouch for (an ErrorResponse to redact, a mask plan to build, a partial
   * message, a length the reader would refuse) and everything after it take the full path.
   */
  #passThrough(chunk: Buffer): number {
    const reader = this.#upstreamReader;
    if (
      this.#ended ||
      this.#upstreamPump.waiting ||
      this.#suppressUntilReady ||
      this.#rowMasker !== undefined ||
      this.#copyMasker !== undefined ||
      this.#limited !== undefined ||
      this.#limitedCursors ||
      reader.bufferedBytes !== 0 ||
      reader.state !== 'reading'
    ) {
      return 0;
    }
    const maxMessageBytes = reader.maxMessageBytes;
    let offset = 0;
    while (offset < chunk.length) {
      const size = wholeBackendMessageSize(chunk, offset, maxMessageBytes);
      if (size === 0 || !this.#passMessage(chunk, offset, size)) break;
      offset += size;
    }
    return offset;
  }

  /**
   * One message on the pass-through path: false, with nothing changed, when the full path must
   * handle it; else its bookkeeping done exactly as #upstreamFrame would do it in this state (no
   * masker, no limit, nothing withheld), and true.
   */
  #passMessage(chunk: Buffer, at: number, size: number): boolean {
    const head = this.#pending[0];
    switch (chunk[at]) {
      case BackendCode.DataRow:
        if (head?.kind === 'execute' && !head.started) {
          const obligations = head.portal.statement.outcome.decision.obligations;
          if (obligations.mask || obligations.rowLimit !== undefined) return false;
          head.started = true;
        }
        return true;
      case BackendCode.RowDescription:
        if (head?.kind === 'describe-portal') {
          if (head.injected || head.portal?.statement.outcome.decision.obligations.mask) return false;
          this.#pending.shift();
        } else if (head?.kind === 'describe-statement') this.#pending.shift();
        else if (head?.kind === 'query') {
          const obligations = head.outcome.decision.obligations;
          if (obligations.mask || obligations.rowLimit !== undefined) return false;
        }
        return true;
      case BackendCode.NoData:
        if (head?.kind === 'describe-portal' && head.injected) return false;
        if (head?.kind === 'describe-portal' || head?.kind === 'describe-statement') this.#pending.shift();
        return true;
      case BackendCode.ParseComplete:
      case BackendCode.BindComplete:
      case BackendCode.CloseComplete:
        if (head?.kind === 'bind' && head.named) return false;
        if (head && (head.kind === 'parse' || head.kind === 'bind' || head.kind === 'close')) this.#pending.shift();
        return true;
      case BackendCode.CommandComplete:
      case BackendCode.EmptyQueryResponse:
      case BackendCode.PortalSuspended:
        return this.#passCompletion(chunk, at, size, head);
      case BackendCode.ReadyForQuery: {
        const status = chunk[at + 5];
        if ((head?.kind !== 'sync' && head?.kind !== 'query') || (status !== 0x49 && status !== 0x54 && status !== 0x45)) return false;
        this.#pending.shift();
        if (head.kind === 'query') this.#complete(head.outcome, head.stats, head.refusal ? 'blocked' : head.stats.sqlState ? 'error' : 'ok');
        this.#transactionStatus = status === 0x49 ? 'I' : status === 0x54 ? 'T' : 'E';
        return true;
      }
      default:
        return false;
    }
  }

  /** CommandComplete, EmptyQueryResponse or PortalSuspended on the pass-through path (see #passMessage). */
  #passCompletion(chunk: Buffer, at: number, size: number, head: Pending | undefined): boolean {
    const request = head?.kind === 'query' || head?.kind === 'execute' ? head : undefined;
    const outcome = head?.kind === 'query' ? head.outcome : head?.kind === 'execute' ? head.portal.statement.outcome : undefined;
    if (outcome?.decision.obligations.rowLimit !== undefined) return false;
    let rows = NO_ROWS;
    if (request && this.#context.onCompleted && chunk[at] === BackendCode.CommandComplete) {
      rows = commandCompleteRows(chunk, at, size);
      if (rows === MALFORMED_TAG) return false;
    }
    if (rows !== NO_ROWS) request!.stats.rows = (request!.stats.rows ?? 0) + rows;
    if (head?.kind === 'execute') {
      this.#pending.shift();
      this.#complete(head.portal.statement.outcome, head.stats, 'ok');
    }
    return true;
  }

  /** One upstream message. Returns a promise only when it must wait for the catalog. */
  #upstreamFrame(frame: Frame): HandlerResult {
    const out = this.#toClient;
    const head = this.#pending[0];
    switch (frame.code) {
      case BackendCode.DataRow: {
        if (this.#suppressUntilReady) return undefined;
        if (head?.kind === 'execute' && !head.started) {
          head.started = true;
          const allowance = this.#allowanceFor(head.portal.statement.outcome, head.portal);
          this.#limited = allowance ? new LimitedResponse(allowance) : undefined;
          const prepared = this.#prepareExecuteMasker(head.portal);
          // Handle this row again once the plan is ready.
          if (prepared) return prepared.then(() => 'again' as const);
        }
        // Past the row limit: dropped unread (and unmasked); the rest of the result still drains.
        if (this.#limited !== undefined && !this.#limited.admit()) return undefined;
        const masker = this.#rowMasker;
        if (!masker) {
          out.push(frame);
          return undefined;
        }
        try {
          out.push(masker.mask(frame));
        } catch {
          this.#withholdResult();
        }
        return undefined;
      }
      case BackendCode.RowDescription: {
        if (head?.kind === 'describe-portal') {
          this.#pending.shift();
          // Only a masked result needs its columns; otherwise the description is passed on undecoded.
          if (head.portal?.statement.outcome.decision.obligations.mask) head.portal.fields = decodeRowDescription(frame).fields;
          if (!head.injected) out.push(frame);
          return undefined;
        }
        if (head?.kind === 'describe-statement') this.#pending.shift();
        if (this.#suppressUntilReady) return undefined;
        out.push(frame);
        if (head?.kind === 'query') {
          const allowance = this.#allowanceFor(head.outcome);
          this.#limited = allowance ? new LimitedResponse(allowance) : undefined;
          const mask = head.outcome.decision.obligations.mask;
          if (!mask) return undefined;
          const masker = rowMaskerFor(decodeRowDescription(frame).fields, mask, head.outcome.actions, this.#context);
          if (masker instanceof Promise) return masker.then((ready) => void (this.#rowMasker = ready));
          this.#rowMasker = masker;
        }
        return undefined;
      }
      case BackendCode.NoData:
        if (head?.kind === 'describe-portal' || head?.kind === 'describe-statement') {
          this.#pending.shift();
          if (head.kind === 'describe-portal' && head.injected) return undefined;
        }
        out.push(frame);
        return undefined;
      case BackendCode.ParseComplete:
      case BackendCode.BindComplete:
      case BackendCode.CloseComplete:
        if (head && (head.kind === 'parse' || head.kind === 'bind' || head.kind === 'close')) this.#pending.shift();
        if (head?.kind === 'bind' && head.named && frame.code === BackendCode.BindComplete) this.#cursorOpened(head.named.name, head.named.portal.allowance);
        out.push(frame);
        return undefined;
      case BackendCode.CommandComplete:
      case BackendCode.EmptyQueryResponse:
      case BackendCode.PortalSuspended: {
        const limited = this.#limited;
        this.#limited = undefined;
        const outcome = head?.kind === 'query' ? head.outcome : head?.kind === 'execute' ? head.portal.statement.outcome : undefined;
        const limit = outcome?.decision.obligations.rowLimit;
        const stats = head?.kind === 'execute' || head?.kind === 'query' ? head.stats : undefined;
        const tag =
          frame.code === BackendCode.CommandComplete && (limit !== undefined || this.#limitedCursors || (stats && this.#context.onCompleted))
            ? decodeCommandComplete(frame).tag
            : undefined;
        if (tag === 'DECLARE CURSOR' && outcome && (limit !== undefined || this.#limitedCursors)) this.#cursorDeclared(head, outcome);
        if (stats) {
          this.#retireMaskers(stats);
          if (this.#context.onCompleted) {
            // Under a row limit the rows are those the client got, not those the server produced.
            const rows = limited ? limited.sent : tag !== undefined ? rowsOfTag(tag) : undefined;
            if (rows !== undefined) stats.rows = (stats.rows ?? 0) + rows;
          }
        }
        if (head?.kind === 'execute') {
          this.#pending.shift();
          this.#complete(head.portal.statement.outcome, head.stats, 'ok');
        }
        this.#rowMasker = undefined;
        if (this.#suppressUntilReady) return undefined;
        if (limited?.cut && outcome) {
          out.push(rowLimitNotice(limited.allowance.limit, outcome.decision));
          out.push(cutCommandComplete(tag, limited.sent, outcome.actions[0]?.operation ?? 'SELECT'));
        } else out.push(frame);
        return undefined;
      }
      case BackendCode.CopyOutResponse:
        return this.#copyOut(frame, head);
      case BackendCode.CopyData: {
        if (this.#suppressUntilReady) return undefined;
        const masker = this.#copyMasker;
        if (!masker) {
          out.push(frame);
          return undefined;
        }
        try {
          out.push(masker.mask(frame));
        } catch {
          this.#withholdResult();
        }
        return undefined;
      }
      case BackendCode.CopyDone:
        this.#copyMasker = undefined;
        if (!this.#suppressUntilReady) out.push(frame);
        return undefined;
      case BackendCode.ErrorResponse:
        this.#upstreamError(frame, head);
        return undefined;
      case BackendCode.NoticeResponse:
        out.push(encodeNoticeResponse(this.#redactFields(decodeNoticeResponse(frame))));
        return undefined;
      case BackendCode.ReadyForQuery: {
        if (head?.kind === 'sync' || head?.kind === 'query') this.#pending.shift();
        else throw new Error('ReadyForQuery without a request waiting for it: the session is out of step');
        if (head.kind === 'query') {
          this.#retireMaskers(head.stats);
          this.#complete(head.outcome, head.stats, head.refusal ? 'blocked' : head.stats.sqlState ? 'error' : 'ok');
        }
        this.#transactionStatus = decodeReadyForQuery(frame).status;
        this.#rowMasker = undefined;
        this.#limited = undefined;
        this.#copyMasker = undefined;
        this.#suppressUntilReady = false;
        out.push(frame);
        return undefined;
      }
      case BackendCode.BackendKeyData:
        return undefined; // the client keeps the gateway's key
      case BackendCode.ParameterStatus: {
        const { name, value } = decodeParameterStatus(frame);
        const violation = pinnedSettingViolation(name, value);
        if (violation) throw new PinnedSettingChangedError(violation);
        out.push(frame);
        return undefined;
      }
      default:
        // ParameterStatus, NotificationResponse, ParameterDescription, CopyIn/BothResponse, FunctionCallResponse.
        if (!this.#suppressUntilReady) out.push(frame);
        return undefined;
    }
  }

  /** COPY … TO STDOUT: forwarded as is without a mask plan; parsed and masked row by row with one. */
  #copyOut(frame: Frame, head: Pending | undefined): Promise<void> | undefined {
    const outcome = head?.kind === 'query' ? head.outcome : head?.kind === 'execute' ? head.portal.statement.outcome : undefined;
    const mask = outcome?.decision.obligations.mask;
    if (!outcome || !mask) {
      if (!this.#suppressUntilReady) this.#toClient.push(frame);
      return undefined;
    }
    const format = head?.kind === 'query' ? head.copyFormat : head?.kind === 'execute' ? head.portal.statement.copyFormat : undefined;
    const response = decodeCopyResponse(frame, 'copyOutResponse');
    if (!format || response.format !== 0) {
      this.#withholdResult(); // binary or custom options: cannot be masked with certainty
      return undefined;
    }
    return copyMaskerFor(response.columnFormats.length, format, mask, outcome.actions, this.#context).then((masker) => {
      if (masker === 'unmaskable') {
        this.#withholdResult();
        return;
      }
      this.#copyMasker = masker;
      this.#toClient.push(frame);
    });
  }

  #prepareExecuteMasker(portal: Portal): Promise<void> | undefined {
    const outcome = portal.statement.outcome;
    const mask = outcome.decision.obligations.mask;
    this.#rowMasker = undefined;
    if (!mask) return undefined;
    if (!portal.fields) {
      this.#withholdResult();
      return undefined;
    }
    const masker = rowMaskerFor(portal.fields, mask, outcome.actions, this.#context);
    if (masker instanceof Promise) return masker.then((ready) => void (this.#rowMasker = ready));
    this.#rowMasker = masker;
    return undefined;
  }

  /** Adds the values masked by the result set that just ended to its request's count. */
  #retireMaskers(stats: RequestStats): void {
    if (this.#rowMasker) stats.maskedValues += this.#rowMasker.plan.maskedCount;
    if (this.#copyMasker) stats.maskedValues += this.#copyMasker.maskedCount;
    this.#rowMasker = undefined;
    this.#copyMasker = undefined;
  }

  #complete(outcome: StatementOutcome, stats: RequestStats, result: CompletedRequest['result']): void {
    const onCompleted = this.#context.onCompleted;
    if (!onCompleted) return;
    // Field by field, not with conditional spreads: this runs per statement.
    const completed: { -readonly [K in keyof CompletedRequest]: CompletedRequest[K] } = {
      outcome,
      result,
      durationMs: performance.now() - stats.startedAt,
      maskedValues: stats.maskedValues,
    };
    if (stats.rows !== undefined) completed.rows = stats.rows;
    if (stats.sqlState !== undefined) completed.sqlState = stats.sqlState;
    onCompleted(completed);
  }

  /**
   * A refused Query completes when the upstream has answered the marker sent in its place, but a
   * client may read the refusal and hang up first (node-postgres rejects on the ErrorResponse and
   * can Terminate before ReadyForQuery): its end is known all the same, and the trail must say so.
   */
  #completeRefusedInFlight(): void {
    for (const entry of this.#pending.splice(0)) {
      if (entry.kind === 'query' && entry.refusal !== undefined) this.#complete(entry.outcome, entry.stats, 'blocked');
    }
  }

  /** Strict masking failed mid-result: the client gets an error, the rest is dropped, upstream cancelled. */
  #withholdResult(): void {
    if (this.#suppressUntilReady) return;
    this.#suppressUntilReady = true;
    this.#rowMasker = undefined;
    this.#copyMasker = undefined;
    this.#toClient.push(maskingFailedError());
    this.#context.cancelUpstream();
  }

  #upstreamError(frame: Frame, head: Pending | undefined): void {
    const error = decodeErrorResponse(frame);
    const refusal = head && (head.kind === 'query' || head.kind === 'parse') ? head.refusal : undefined;
    const ours = refusal !== undefined && error.fields.get('C') === '42601' && (error.fields.get('M') ?? '').includes(REFUSED_MARKER);
    if (!this.#suppressUntilReady || ours) this.#toClient.push(ours ? refusal : encodeErrorResponse(this.#redactFields(error)));
    if (head?.kind === 'query' && !ours) head.stats.sqlState ??= error.fields.get('C');
    if (head?.kind === 'execute') {
      this.#retireMaskers(head.stats);
      head.stats.sqlState = error.fields.get('C');
      this.#complete(head.portal.statement.outcome, head.stats, 'error');
    }
    this.#rowMasker = undefined;
    this.#limited = undefined;
    // After an error the server skips every extended-protocol message up to the next Sync.
    if (head?.kind !== 'query') {
      while (this.#pending.length > 0 && this.#pending[0]!.kind !== 'sync' && this.#pending[0]!.kind !== 'query') this.#pending.shift();
      if (this.#pending.length === 0) this.#upstreamSkipping = true;
    }
  }

  #redactFields(message: ErrorNoticeMessage): Map<string, string> {
    const fields = new Map(message.fields);
    for (const field of VALUE_BEARING_FIELDS) {
      const value = fields.get(field);
      if (value !== undefined) fields.set(field, this.#context.redactText(value));
    }
    return fields;
  }

  // ── plumbing ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Writes what was collected in one go (one write, or one writev of the runs, never deferred);
   * pauses `source` until `target` drains when it is full.
   */
  #write(target: Duplex, queued: readonly Outgoing[], source: FramePump<Frame>): void {
    if (this.#ended) return;
    const buffers = coalesceOutgoing(queued);
    let ok = true;
    if (buffers.length === 1) {
      ok = target.write(buffers[0]!);
    } else {
      target.cork();
      for (const buffer of buffers) ok = target.write(buffer);
      target.uncork();
    }
    if (!ok) source.holdUntilDrained(target);
  }

  /** A client chunk passed through as it arrived; pauses the client until the upstream drains when it is full. */
  #writeClientChunk(chunk: Buffer): void {
    if (this.#ended) return;
    if (!this.#upstream.write(chunk)) this.#clientPump.holdUntilDrained(this.#upstream);
  }

  /** One chunk passed through as it arrived; pauses the upstream until the client drains when it is full. */
  #writeChunk(chunk: Buffer): void {
    if (this.#ended) return;
    if (!this.#client.write(chunk)) this.#upstreamPump.holdUntilDrained(this.#client);
  }

  #idle(): boolean {
    return this.#pending.length === 0 && !this.#discardingUntilSync && !this.#upstreamPump.waiting;
  }

  #shutdown(): void {
    if (this.#ended) return;
    this.#client.end(shuttingDownError());
    this.#upstream.end(encodeTerminate());
    this.#end('drained');
  }

  #protocolViolation(side: 'client' | 'upstream', error: unknown): void {
    if (this.#ended) return;
    this.#context.onProtocolError?.(side, error);
    const message =
      side === 'client' || error instanceof PinnedSettingChangedError
        ? error instanceof Error
          ? error.message
          : 'malformed message'
        : 'the upstream sent a malformed message';
    this.#client.end(protocolViolationError(message));
    this.#upstream.end(encodeTerminate());
    this.#end(`${side} protocol violation`);
  }

  #end(_reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#completeRefusedInFlight();
    if (!this.#client.writableEnded) this.#client.end();
    if (!this.#upstream.writableEnded) this.#upstream.end();
    setTimeout(() => {
      this.#client.destroy();
      this.#upstream.destroy();
    }, 1_000).unref();
    this.#resolveClosed();
  }
}
