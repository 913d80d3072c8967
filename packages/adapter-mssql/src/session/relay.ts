import type { Duplex } from 'node:stream';
import type { Action, MaskObligation, Masker } from '@gatehouse/core';
import type { CompletedStatement, GateResult, StatementOutcome } from '@gatehouse/proxy';
import { ProtocolError } from '../errors.js';
import { ColumnMetadataCache } from '../protocol/column-metadata-cache.js';
import { MessageAssembler } from '../protocol/message.js';
import type { Message } from '../protocol/message.js';
import { isEndOfMessage, PacketType } from '../protocol/packet.js';
import type { Packet } from '../protocol/packet.js';
import { PacketReader } from '../protocol/packet-reader.js';
import { StreamingMessageWriter } from '../protocol/message-writer.js';
import { encodeMessage } from '../protocol/packet.js';
import { ExecuteSqlMemo } from '../protocol/requests/execute-sql-memo.js';
import { encodeDone } from '../protocol/tokens/done.js';
import { DoneStatus } from '../protocol/tokens/token-types.js';
import { forwardedRequest, forwardedText } from './forwarded-request.js';
import type { TextReplacement } from './forwarded-request.js';
import { gatewayFailureTokens, refusalTokens } from './native-errors.js';
import { PreparedHandles } from './prepared-handles.js';
import { refusalMessage, rowLimitNotice } from './refusals.js';
import { RequestCancellation } from './request-cancellation.js';
import { planRequest } from './request-plan.js';
import type { PlannedStatement, RequestDecider, RequestPlan } from './request-plan.js';
import type { ResponseFacts } from './response-facts.js';
import { ResponseProcessor } from './response-processor.js';
import { ResponseScanner } from './response-scanner.js';
import type { ResponseScannerOptions } from './response-scanner.js';
import { rowMaskerFor } from './result-masking.js';

/** What the relay needs from the session: the decision step, the gate, masking, hooks. */
export interface RelayContext {
  decide(text: string): StatementOutcome;
  decideActions(actions: readonly Action[]): StatementOutcome;
  readonly masker: Masker;
  /** Redacts free text from the server (ERROR and INFO messages) in rewritten responses. */
  redactText(text: string): string;
  database(): string | undefined;
  /** The server moved the session to another database (USE): the target follows. */
  setDatabase(database: string): void;
  /** Called once per decided statement, before the gate (logging, statementDecided). */
  onStatement?(outcome: StatementOutcome): void;
  /**
   * The last word before a decided statement is forwarded; may wait. A rejection refuses.
   * `cancellation.signal` aborts when the client cancels; read it only when waiting (it is made on first read).
   */
  gate(outcome: StatementOutcome, cancellation: { readonly signal: AbortSignal }): GateResult | Promise<GateResult>;
  /** The W3C traceparent to carry upstream with this statement, if any. */
  traceContext?(outcome: StatementOutcome): string | undefined;
  onCompleted?(completed: CompletedStatement): void;
  onProtocolError?(side: 'client' | 'upstream', error: unknown): void;
}

export interface RelaySides {
  readonly client: Duplex;
  readonly upstream: Duplex;
  /** The packet size both sides use (the upstream's, adopted by the client through ENVCHANGE). */
  readonly packetSize: number;
  /** Cap on one client request message (SQLBatch, RPC); BULK LOAD data is streamed, not capped. */
  readonly maxMessageBytes?: number;
}

/** A response the client is owed, in order: from the upstream, or written by the gateway. */
type Expected =
  | { readonly kind: 'local'; readonly bytes: Buffer }
  | { readonly kind: 'upstream'; readonly outcomes: readonly StatementOutcome[]; readonly plan?: RequestPlan; readonly startedAt: number };

/** The upstream response being relayed: rewritten (mask plan, row limit) or scanned (everything else). */
type InFlight = {
  readonly expected: Extract<Expected, { kind: 'upstream' }> | undefined;
  readonly facts: ResponseFacts;
} & (
  | { readonly kind: 'rewrite'; readonly processor: ResponseProcessor; readonly writer: StreamingMessageWriter }
  | { readonly kind: 'scan'; readonly scanner: ResponseScanner }
);

/** An Attention the gateway sent upstream to stop a result cut at its row limit, not yet acknowledged. */
interface GatewayAttention {
  /** The client sent an Attention of its own meanwhile: it gets one acknowledgement, once the server's is in. */
  clientOwed: boolean;
}

/** A request whose gate is still deciding. */
interface Holding {
  readonly control: RequestCancellation;
  readonly outcomes: readonly StatementOutcome[];
  cancelled: boolean;
}

type QueueItem = { readonly kind: 'request'; readonly message: Message } | { readonly kind: 'bulk'; readonly packet: Packet };

const PROCEED: GateResult = { proceed: true };
const NO_OUTCOMES: readonly StatementOutcome[] = [];
const NO_REPLACEMENTS: readonly TextReplacement[] = [];
const GATE_FAILED: GateResult = { proceed: false, reason: 'audit-unavailable', message: 'gate failed' };
/** Client bytes queued behind a held request before the gateway stops reading (Attention still gets through below it). */
const MAX_QUEUED_BYTES = 1024 * 1024;

/**
 * The steady state of one TDS session. Client requests are decided (and gated) before a byte goes
 * upstream; refusals are answered by the gateway with ERROR 229 and the session goes on. Upstream
 * responses are forwarded packet by packet as they came, read only for what the session must learn
 * (rows, errors, database changes, prepared handles), unless the decision carries a mask plan or a
 * row limit: then they are rewritten token by token and re-packetised as they stream. Nothing is
 * held beyond the chunk in hand; each side pauses while the other cannot take more.
 */
export class Relay {
  readonly #client: Duplex;
  readonly #upstream: Duplex;
  readonly #context: RelayContext;
  readonly #packetSize: number;
  readonly #clientReader: PacketReader;
  readonly #upstreamReader: PacketReader;
  readonly #assembler = new MessageAssembler();
  readonly #handles = new PreparedHandles();

  readonly #queue: QueueItem[] = [];
  #queuedBytes = 0;
  /** A request waiting for its gate; Attention cancels it. */
  #holding: Holding | undefined;
  readonly #expected: Expected[] = [];
  #inFlight: InFlight | undefined;
  /** Attentions forwarded and not yet acknowledged. */
  #attentions = 0;
  /** While set, upstream bytes are swallowed and client requests wait (the server is still cancelling). */
  #gatewayAttention: GatewayAttention | undefined;
  /** The outcome an allowed INSERT BULK left for the BULK LOAD data that follows. */
  #bulkOutcome: StatementOutcome | undefined;
  #bulk: { readonly outcome: StatementOutcome | undefined } | undefined;

  /** Built once per session (not per request or response): the hot path allocates no closures. */
  readonly #decider: RequestDecider;
  readonly #scanOptions: ResponseScannerOptions;
  readonly #swallowOptions: ResponseScannerOptions;
  /** Relays every response no mask plan or row limit applies to, one at a time: reset per response, not rebuilt. */
  #scanner: ResponseScanner | undefined;

  #clientPaused = new Set<string>();
  #upstreamPaused = false;
  #draining = false;
  #ended = false;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(sides: RelaySides, context: RelayContext) {
    this.#client = sides.client;
    this.#upstream = sides.upstream;
    this.#context = context;
    this.#packetSize = sides.packetSize;
    this.#clientReader = new PacketReader({
      maxPacketSize: sides.packetSize,
      ...(sides.maxMessageBytes ? { maxMessageBytes: sides.maxMessageBytes } : {}),
      allowedTypes: [PacketType.SqlBatch, PacketType.Rpc, PacketType.Attention, PacketType.TransactionManager, PacketType.BulkLoad],
      streamedTypes: [PacketType.BulkLoad],
    });
    this.#upstreamReader = new PacketReader({ maxPacketSize: sides.packetSize, allowedTypes: [PacketType.TabularResult], streamedTypes: [PacketType.TabularResult] });
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#decider = {
      decide: (text) => context.decide(text),
      decideActions: (actions) => context.decideActions(actions),
      handles: this.#handles,
      executeSqlMemo: new ExecuteSqlMemo(),
      database: () => context.database(),
    };
    // No mask plan, no row limit: rows are not decoded, but server messages are still redacted.
    this.#scanOptions = {
      redactText: (text) => context.redactText(text),
      send: (bytes) => void this.#writeClient(bytes),
      packetSize: sides.packetSize,
      columnMetadataCache: new ColumnMetadataCache(),
    };
    // The rest of a response cancelled at its row limit, or the acknowledgement: read for DONE ATTN, never sent.
    this.#swallowOptions = { redactText: (text) => text, send: () => undefined, packetSize: sides.packetSize };
  }

  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Starts relaying; the initial buffers are bytes each side sent that the handshake read but did not use. */
  start(clientInitial: Buffer, upstreamInitial: Buffer): void {
    this.#client.on('data', (chunk: Buffer) => this.#onClientData(chunk));
    this.#upstream.on('data', (chunk: Buffer) => this.#onUpstreamData(chunk));
    this.#client.on('end', () => this.#end());
    this.#client.on('close', () => this.#end());
    this.#client.on('error', () => this.#end());
    this.#upstream.on('end', () => this.#end());
    this.#upstream.on('close', () => this.#end());
    this.#upstream.on('error', () => this.#end());
    this.#client.resume();
    this.#upstream.resume();
    if (upstreamInitial.length > 0) this.#onUpstreamData(upstreamInitial);
    if (clientInitial.length > 0) this.#onClientData(clientInitial);
  }

  /** Graceful shutdown: end once nothing is in flight (now, when idle). */
  drain(): void {
    this.#draining = true;
    if (this.#idle()) this.#end();
  }

  close(_reason: string): void {
    this.#end();
  }

  // ── client → upstream ──────────────────────────────────────────────────────────────────────

  #onClientData(chunk: Buffer): void {
    if (this.#ended) return;
    let packets: Packet[];
    try {
      packets = this.#clientReader.push(chunk);
    } catch (error) {
      this.#protocolViolation('client', error);
      return;
    }
    for (const packet of packets) {
      if (packet.type === PacketType.Attention) {
        this.#attention();
        continue;
      }
      if (packet.type === PacketType.BulkLoad) {
        this.#enqueue({ kind: 'bulk', packet }, packet.length);
        continue;
      }
      let message: Message | undefined;
      try {
        message = this.#assembler.push(packet);
      } catch (error) {
        this.#protocolViolation('client', error);
        return;
      }
      // IGNORE: the client abandoned the message while sending it; the server drops it unanswered.
      if (message && !message.ignored) this.#enqueue({ kind: 'request', message }, message.payload.length);
    }
    // BULK LOAD data (many packets per read) goes upstream in one write (writev), not one per packet.
    if (packets.length <= 1) {
      this.#pump();
      return;
    }
    this.#upstream.cork();
    try {
      this.#pump();
    } finally {
      this.#upstream.uncork();
    }
  }

  #enqueue(item: QueueItem, bytes: number): void {
    this.#queue.push(item);
    this.#queuedBytes += bytes;
    if (this.#queuedBytes > MAX_QUEUED_BYTES) this.#pauseClient('queue');
  }

  /** Handles queued client input in order; stops at a request whose gate is still deciding. */
  #pump(): void {
    while (!this.#holding && !this.#gatewayAttention && !this.#ended && this.#queue.length > 0) {
      const item = this.#queue.shift()!;
      this.#queuedBytes -= item.kind === 'request' ? item.message.payload.length : item.packet.length;
      try {
        if (item.kind === 'bulk') this.#bulkPacket(item.packet);
        else this.#request(item.message);
      } catch (error) {
        this.#protocolViolation('client', error);
        return;
      }
    }
    if (this.#queuedBytes <= MAX_QUEUED_BYTES && this.#clientPaused.size > 0) this.#resumeClient('queue');
    if (this.#draining && this.#idle()) this.#end();
  }

  #request(message: Message): void {
    const plan = planRequest(message, this.#decider);
    for (const statement of plan.statements) this.#context.onStatement?.(statement.outcome);
    const rpc = plan.kind === 'rpc';
    if (plan.refusal !== undefined) {
      this.#respondLocally(refusalTokens(plan.refusal, { rpc }));
      for (const statement of plan.statements) this.#completed(statement.outcome, 'blocked', performance.now());
      return;
    }
    const control = new RequestCancellation();
    const verdict = this.#gateAll(plan.statements, control);
    if (!(verdict instanceof Promise)) {
      this.#apply(message, plan, verdict);
      return;
    }
    const holding: Holding = { control, cancelled: false, outcomes: plan.statements.map((statement) => statement.outcome) };
    this.#holding = holding;
    void verdict.then((result) => {
      // Cancelled (Attention) while held: already answered, and the session has moved on.
      if (holding.cancelled || this.#ended) return;
      this.#holding = undefined;
      this.#apply(message, plan, result);
      this.#pump();
    });
  }

  /** Every statement's gate, in order; the first refusal wins. Synchronous while every gate is. */
  #gateAll(statements: readonly PlannedStatement[], cancellation: RequestCancellation, from = 0): GateResult | Promise<GateResult> {
    let approved: GateResult = PROCEED;
    for (let i = from; i < statements.length; i++) {
      let result: GateResult | Promise<GateResult>;
      try {
        result = this.#context.gate(statements[i]!.outcome, cancellation);
      } catch {
        return GATE_FAILED;
      }
      if (result instanceof Promise) {
        return result.then(
          (settled) => (settled.proceed ? this.#gateAll(statements, cancellation, i + 1) : settled),
          () => GATE_FAILED,
        );
      }
      if (!result.proceed) return result;
      approved = result;
    }
    return approved;
  }

  #apply(message: Message, plan: RequestPlan, result: GateResult): void {
    // Only a completion observer reads the duration: without one, no clock read per request.
    const startedAt = this.#context.onCompleted ? performance.now() : 0;
    const outcomes = plan.statements.map((statement) => statement.outcome);
    if (!result.proceed) {
      const refused = plan.statements[0]!.outcome;
      this.#respondLocally(refusalTokens(refusalMessage(refused.decision, result), { rpc: plan.kind === 'rpc' }));
      for (const outcome of outcomes) this.#completed(outcome, 'blocked', startedAt);
      return;
    }
    // Made only when a statement's text changes (a row-filter rewrite, a trace comment): most requests go as they came.
    let replacements: TextReplacement[] | undefined;
    for (const statement of plan.statements) {
      if (!statement.text) continue;
      const text = forwardedText(statement.text.original, statement.outcome.forwardText, this.#traceparent(statement.outcome));
      if (text !== undefined) (replacements ??= []).push({ slot: statement.text.slot, text });
    }
    this.#writeUpstream(forwardedRequest(message, plan, replacements ?? NO_REPLACEMENTS, this.#packetSize));
    this.#expected.push({ kind: 'upstream', outcomes, plan, startedAt });
    if (plan.releasesHandle !== undefined) this.#handles.release(plan.releasesHandle);
    if (plan.armsBulkLoad) this.#bulkOutcome = outcomes[0];
  }

  /** The trace context for a statement; a tracer that fails costs the statement its trace, nothing more. */
  #traceparent(outcome: StatementOutcome): string | undefined {
    try {
      return this.#context.traceContext?.(outcome);
    } catch {
      return undefined;
    }
  }

  /** BULK LOAD data: streamed upstream when an allowed INSERT BULK came just before it; refused otherwise. */
  #bulkPacket(packet: Packet): void {
    if (!this.#bulk) {
      this.#bulk = { outcome: this.#bulkOutcome };
      this.#bulkOutcome = undefined;
    }
    const { outcome } = this.#bulk;
    if (outcome) this.#writeUpstream(packet.raw);
    if (!isEndOfMessage(packet)) return;
    this.#bulk = undefined;
    if (outcome) this.#expected.push({ kind: 'upstream', outcomes: [outcome], startedAt: performance.now() });
    else this.#respondLocally(refusalTokens('gatehouse: BULK LOAD data is refused unless an allowed INSERT BULK comes right before it'));
  }

  #attention(): void {
    if (this.#gatewayAttention) {
      this.#attentionDuringGatewayCancel(this.#gatewayAttention);
      return;
    }
    const holding = this.#holding;
    if (holding) {
      // The held request never went upstream: it is cancelled here, at once, whatever the gate
      // answers later. As a server does, its response ends, then the acknowledgement follows as a
      // message of its own (tedious reads exactly that: the response, then the DONE ATTN message).
      holding.cancelled = true;
      holding.control.cancel();
      this.#holding = undefined;
      this.#respondLocally(encodeDone({ status: DoneStatus.Final }));
      this.#respondLocally(encodeDone({ status: DoneStatus.Attention }));
      for (const outcome of holding.outcomes) this.#completed(outcome, 'blocked', performance.now());
      this.#pump();
      return;
    }
    // Forwarded whatever is in flight: the server acknowledges with DONE ATTN, which the client awaits.
    this.#attentions++;
    this.#writeUpstream(encodeMessage(PacketType.Attention, Buffer.alloc(0), { packetSize: this.#packetSize }));
  }

  /**
   * The client cancels while the gateway's own Attention (a row-limit cut) is still being
   * acknowledged: nothing more goes upstream (the server is already cancelling). A request the
   * client sent after the cut response, still queued here, is answered as cancelled; the client's
   * acknowledgement follows the server's.
   */
  #attentionDuringGatewayCancel(pending: GatewayAttention): void {
    pending.clientOwed = true;
    const kept = this.#queue.filter((item) => item.kind !== 'request');
    for (const item of this.#queue) if (item.kind === 'request') this.#queuedBytes -= item.message.payload.length;
    if (kept.length !== this.#queue.length) this.#respondLocally(encodeDone({ status: DoneStatus.Final }));
    this.#queue.splice(0, this.#queue.length, ...kept);
  }

  // ── upstream → client ──────────────────────────────────────────────────────────────────────

  #onUpstreamData(chunk: Buffer): void {
    if (this.#ended) return;
    let corked = false;
    try {
      const packets = this.#upstreamReader.push(chunk);
      // The packets of one read leave in one write (writev), not one syscall per packet.
      if (packets.length > 1) {
        this.#client.cork();
        corked = true;
      }
      for (const packet of packets) this.#upstreamPacket(packet);
    } catch (error) {
      this.#protocolViolation('upstream', error);
    } finally {
      if (corked) this.#client.uncork();
    }
  }

  #upstreamPacket(packet: Packet): void {
    const flight = (this.#inFlight ??= this.#startResponse(packet));
    if (flight.kind === 'scan') {
      flight.scanner.push(packet);
      if (!isEndOfMessage(packet)) return;
      flight.scanner.end();
    } else {
      const cancelledBefore = flight.processor.cancelled;
      const out = flight.processor.push(packet.payload);
      for (const bytes of out) flight.writer.push(bytes);
      if (!cancelledBefore && flight.processor.cancelled) this.#cancelAtLimit(flight.writer);
      if (!isEndOfMessage(packet)) return;
      flight.processor.end();
      flight.writer.end();
    }
    this.#inFlight = undefined;
    this.#finishResponse(flight);
  }

  /**
   * A result was cut at its row limit: the client's response is complete now, and the server is
   * asked to stop (Attention) instead of streaming every remaining row through the gateway. Its rest
   * and the acknowledgement are swallowed; client requests wait for the acknowledgement. A client
   * Attention already on its way upstream is acknowledged by the same DONE ATTN: none is added.
   */
  #cancelAtLimit(writer: StreamingMessageWriter): void {
    writer.end();
    const clientOwed = this.#attentions > 0;
    this.#attentions = 0;
    this.#gatewayAttention = { clientOwed };
    if (!clientOwed) this.#writeUpstream(encodeMessage(PacketType.Attention, Buffer.alloc(0), { packetSize: this.#packetSize }));
  }

  /** A response begins: it answers the oldest forwarded request (none: an attention acknowledgement). */
  #startResponse(first: Packet): InFlight {
    if (this.#gatewayAttention) {
      // The rest of a cancelled response, or the acknowledgement: read for DONE ATTN, never sent.
      const scanner = new ResponseScanner(this.#swallowOptions);
      return { kind: 'scan', expected: undefined, facts: scanner, scanner };
    }
    const head = this.#expected[0];
    const expected = head?.kind === 'upstream' ? head : undefined;
    if (expected) this.#expected.shift();
    // The first outcome with a mask plan (else the first), and the smallest row limit: a plain loop,
    // as this runs for every response.
    let outcome: StatementOutcome | undefined;
    let rowLimit: number | undefined;
    for (const candidate of expected?.outcomes ?? NO_OUTCOMES) {
      const { mask: candidateMask, rowLimit: limit } = candidate.decision.obligations;
      if (outcome === undefined || (candidateMask && !outcome.decision.obligations.mask)) outcome = candidate;
      if (limit !== undefined && (rowLimit === undefined || limit < rowLimit)) rowLimit = limit;
    }
    const mask = outcome?.decision.obligations.mask;
    if (!outcome || (!mask && rowLimit === undefined)) {
      const scanner = (this.#scanner ??= new ResponseScanner(this.#scanOptions));
      scanner.reset();
      return { kind: 'scan', expected, facts: scanner, scanner };
    }
    const actions = expected!.outcomes.flatMap((candidate) => candidate.actions);
    const processor = new ResponseProcessor({
      rewrite: true,
      ...(mask ? { rowMaskerFor: (columns) => maskerFor(columns, mask, actions, this.#context.masker) } : {}),
      redactText: (text) => this.#context.redactText(text),
      ...(rowLimit !== undefined ? { rowLimit, rowLimitNotice: rowLimitNotice(rowLimit, outcome.decision) } : {}),
      // Attention cancels whatever the server has: only when no later request was forwarded behind this one.
      ...(rowLimit !== undefined && expected && this.#expected.every((later) => later.kind === 'local') ? cancellable(expected) : {}),
    });
    const writer = new StreamingMessageWriter(PacketType.TabularResult, (bytes) => this.#writeClient(bytes), { packetSize: this.#packetSize, spid: first.spid });
    return { kind: 'rewrite', expected, facts: processor, processor, writer };
  }

  #finishResponse(flight: InFlight): void {
    const { facts, expected } = flight;
    if (facts.attentionAcknowledged) this.#attentions = 0;
    if (facts.database !== undefined) this.#context.setDatabase(facts.database);
    if (expected) {
      const plan = expected.plan;
      if (plan?.registersHandle && facts.returnedHandle !== undefined) this.#handles.register(facts.returnedHandle, expected.outcomes[0]!);
      const result = facts.errorNumber !== undefined ? 'error' : 'ok';
      for (const outcome of expected.outcomes) this.#completed(outcome, result, expected.startedAt, facts);
    }
    const cancelling = this.#gatewayAttention;
    if (cancelling && facts.attentionAcknowledged) {
      this.#gatewayAttention = undefined;
      if (cancelling.clientOwed) this.#respondLocally(encodeDone({ status: DoneStatus.Attention }));
      this.#pump();
    }
    this.#flushLocal();
    if (this.#draining && this.#idle()) this.#end();
  }

  #completed(outcome: StatementOutcome, result: CompletedStatement['result'], startedAt: number, processor?: ResponseFacts): void {
    const onCompleted = this.#context.onCompleted;
    if (!onCompleted) return;
    onCompleted({
      outcome,
      result,
      durationMs: performance.now() - startedAt,
      maskedValues: processor?.maskedValues ?? 0,
      ...(processor ? { rows: processor.rows } : {}),
      ...(processor?.errorNumber !== undefined ? { errorCode: String(processor.errorNumber) } : {}),
    });
  }

  /** A response the gateway writes itself, sent in its turn (after responses still owed before it). */
  #respondLocally(tokens: Buffer): void {
    this.#expected.push({ kind: 'local', bytes: encodeMessage(PacketType.TabularResult, tokens, { packetSize: this.#packetSize }) });
    this.#flushLocal();
  }

  #flushLocal(): void {
    while (!this.#inFlight && this.#expected[0]?.kind === 'local') {
      const local = this.#expected.shift() as Extract<Expected, { kind: 'local' }>;
      this.#writeClient(local.bytes);
    }
  }

  // ── plumbing ───────────────────────────────────────────────────────────────────────────────

  #writeClient(bytes: Buffer): boolean {
    if (this.#ended) return true;
    const ok = this.#client.write(bytes);
    if (!ok && !this.#upstreamPaused) {
      this.#upstreamPaused = true;
      this.#upstream.pause();
      this.#client.once('drain', () => {
        this.#upstreamPaused = false;
        if (!this.#ended) this.#upstream.resume();
      });
    }
    return ok;
  }

  #writeUpstream(bytes: Buffer): void {
    if (this.#ended) return;
    if (!this.#upstream.write(bytes) && !this.#clientPaused.has('upstream')) {
      this.#pauseClient('upstream');
      this.#upstream.once('drain', () => this.#resumeClient('upstream'));
    }
  }

  #pauseClient(reason: string): void {
    if (this.#clientPaused.size === 0) this.#client.pause();
    this.#clientPaused.add(reason);
  }

  #resumeClient(reason: string): void {
    if (!this.#clientPaused.delete(reason)) return;
    if (this.#clientPaused.size === 0 && !this.#ended) this.#client.resume();
  }

  #idle(): boolean {
    return !this.#holding && !this.#inFlight && this.#expected.length === 0 && this.#queue.length === 0 && !this.#bulk && this.#attentions === 0 && !this.#gatewayAttention;
  }

  #protocolViolation(side: 'client' | 'upstream', error: unknown): void {
    if (this.#ended) return;
    this.#context.onProtocolError?.(side, error);
    if (!this.#inFlight) {
      const what = side === 'upstream' ? 'the database sent a malformed response' : error instanceof ProtocolError ? error.message : 'the request could not be processed';
      this.#client.write(encodeMessage(PacketType.TabularResult, gatewayFailureTokens(`gatehouse: protocol violation: ${what}; the connection is closed`), { packetSize: this.#packetSize }));
    }
    this.#end();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#holding?.control.cancel();
    if (!this.#client.writableEnded) this.#client.end();
    if (!this.#upstream.writableEnded) this.#upstream.end();
    setTimeout(() => {
      this.#client.destroy();
      this.#upstream.destroy();
    }, 1_000).unref();
    this.#resolveClosed();
  }
}

/**
 * A row-limited request the gateway may stop with Attention at the cut: one read statement (a
 * batch, or one RPC call that returns no prepared handle), so cancelling it cancels nothing else;
 * and outside a transaction, because with XACT_ABORT ON an Attention rolls the transaction back.
 */
function cancellable(expected: Extract<Expected, { kind: 'upstream' }>): { cancelAtLimit?: 'batch' | 'rpc' } {
  const plan = expected.plan;
  if (!plan || plan.inTransaction || expected.outcomes.length !== 1) return {};
  const actions = expected.outcomes[0]!.actions;
  if (actions.length !== 1 || actions[0]!.category !== 'read') return {};
  if (plan.kind === 'batch') return { cancelAtLimit: 'batch' };
  if (plan.kind === 'rpc' && !plan.registersHandle && plan.rpc?.calls.length === 1) return { cancelAtLimit: 'rpc' };
  return {};
}

function maskerFor(columns: Parameters<typeof rowMaskerFor>[0], mask: MaskObligation, actions: readonly Action[], masker: Masker) {
  return rowMaskerFor(columns, mask, actions, masker);
}
