import type { Duplex } from 'node:stream';
import type { Action, Masker } from '@gatehouse/core';
import type { CompletedStatement, StatementOutcome } from '@gatehouse/proxy';
import { ProtocolError, ProtocolErrorCode } from '../errors.js';
import { Capability, Command, EOF_HEADER, ERR_HEADER, ErrorCode, LOCAL_INFILE_HEADER, MAX_PACKET_CHUNK, OK_HEADER, ServerStatus, commandName } from '../protocol/constants.js';
import type { Packet } from '../protocol/packet.js';
import { nextSequenceId } from '../protocol/packet.js';
import { physicalPackets, resequence } from '../protocol/resequence.js';
import type { PacketReader } from '../protocol/packet-reader.js';
import { decodeColumnCount, decodeColumnDefinition } from '../protocol/messages/columns.js';
import type { ColumnDefinition } from '../protocol/messages/columns.js';
import {
  decodeCommandId,
  decodeCommandText,
  decodeFieldList,
  decodeQuery,
  decodeStmtExecuteHead,
  decodeStmtPrepareOk,
  encodeCommandText,
} from '../protocol/messages/commands.js';
import { decodeErr, decodeOk, encodeErr, isResultSetTerminator, patchTerminator, terminatorStatus } from '../protocol/messages/generic.js';
import type { ErrPacket, OkPacket } from '../protocol/messages/generic.js';
import { framePayload, physicalPacketCount } from '../protocol/writer.js';
import {
  allowsLocalInfile,
  fieldListAction,
  isKillStatement,
  killAction,
  killTargetOf,
  processInfoAction,
  refreshAction,
  statisticsAction,
  useDatabaseAction,
} from './commands.js';
import {
  maskingFailedError,
  noOpenCursorError,
  noSuchThreadError,
  notSupportedError,
  protocolViolationError,
  refusalError,
  unknownStatementError,
  unsupportedCommandError,
  gateRefusalError,
} from './native-errors.js';
import { pinnedSettingDecision, pinnedVariableViolation, touchesPinnedSetting } from './pinned-settings.js';
import { decisionGate } from '@gatehouse/proxy';
import type { GateResult } from '@gatehouse/proxy';
import { coalesceAdjacent } from '@gatehouse/proxy';
import { rowMaskerFor } from './result-masking.js';
import type { RowMasker } from './result-masking.js';
import { sessionStateVariables } from './session-state.js';
import { addToCountRow, diagnosticsQueryOf, RowAllowance, rowLimitWarning, warningRow } from './row-limit.js';
import type { DiagnosticsQuery, GatewayWarning } from './row-limit.js';
import { withTraceComment } from './trace-comment.js';

/** What the relay needs from the session: the decision step, masking, redaction, kill checks. */
export interface RelayContext {
  decide(text: string): StatementOutcome;
  decideActions(actions: readonly Action[]): StatementOutcome;
  readonly masker: Masker;
  /** Redacts free text from the server (ERR messages). */
  redactText(text: string): string;
  /** The session's current database (target.database), kept in sync by the relay. */
  database(): string;
  setDatabase(database: string): void;
  /** The database a COM_RESET_CONNECTION returns to. */
  readonly initialDatabase: string;
  /** True when this session's principal may kill connection `id` (one of its own gateway sessions). */
  mayKill(id: number): boolean;
  /** Called once per decided statement, before anything is sent upstream. */
  onStatement?(outcome: StatementOutcome, what: string): void;
  onProtocolError?(side: 'client' | 'upstream', error: unknown): void;
  /**
   * The last word before a decided statement is forwarded (durable audit write, approval hold); may
   * wait, and may refuse. Without it: the decision alone.
   */
  gate?(outcome: StatementOutcome): GateResult | Promise<GateResult>;
  /**
   * A decided statement is done: its response is complete, or the gateway refused it. Once per
   * COM_QUERY (all its result sets), COM_STMT_PREPARE, each COM_STMT_EXECUTE and COM_STMT_FETCH,
   * and each other decided command.
   */
  onCompleted?(completed: CompletedStatement): void;
  /** The W3C traceparent to carry upstream with a statement the gate let through; undefined: none. */
  traceContext?(outcome: StatementOutcome): string | undefined;
}

/** What a statement's completion event reports, gathered while its response passes. */
interface Completion {
  readonly outcome: StatementOutcome;
  readonly startedAt: number;
  /** Rows the client got (result sets), plus affected rows of OK packets; absent when neither came. */
  rows: number | undefined;
  /** The server's errno when it refused. */
  errorCode: string | undefined;
  maskedValues: number;
  /** The gateway cut the response short with its own ERR (masking failed). */
  withheld: boolean;
}

/** A command as it goes upstream: the client's bytes, or the text the gateway rewrote. */
type Outgoing = Pick<Packet, 'raw' | 'lastSequenceId'>;

const GATE_FAILED: GateResult = {
  proceed: false,
  reason: 'audit-unavailable',
  message: 'the statement could not be recorded or approved, so it was not run; try again',
};

/** Holds the command queue while a gate decides: no other command runs before this one. */
const GATE_PENDING: Response = { kind: 'simple' };

interface PreparedStatement {
  readonly outcome: StatementOutcome;
  /** The columns of the last EXECUTE's result, for rows fetched later through a cursor. */
  cursorColumns?: readonly ColumnDefinition[];
  /** The row limit's allowance of the open cursor, shared by all its fetches. */
  cursorAllowance?: RowAllowance | undefined;
}

/** A result-set response (COM_QUERY, COM_STMT_EXECUTE, COM_STMT_FETCH, COM_PROCESS_INFO). */
interface ResultResponse {
  readonly kind: 'result';
  readonly binary: boolean;
  readonly outcome: StatementOutcome | undefined;
  /** The statement text, kept only for LOCAL INFILE decisions. */
  readonly text: string;
  readonly statement: PreparedStatement | undefined;
  readonly cursor: boolean;
  state: 'first' | 'columns' | 'columns-eof' | 'rows';
  columnsLeft: number;
  /** Collected only when the outcome carries a mask plan (and for cursors). */
  columns: ColumnDefinition[] | undefined;
  masker: RowMasker | undefined;
  /** A strict masking failure: the rest of this response is dropped. */
  withheld: boolean;
  /** For USE through COM_QUERY: the database to switch to on OK. */
  readonly useDatabase: string | undefined;
  completion?: Completion;
  /** The row limit's allowance for the current result set (a cursor's is shared by its fetches). */
  allowance: RowAllowance | undefined;
  /** Rows of the current result set were dropped by the row limit. */
  cut: boolean;
  /** Gateway warnings this response raised, counted in every terminator that follows. */
  warningsRaised: number;
  /** A SHOW WARNINGS / SHOW COUNT(*) WARNINGS the gateway adds its own warnings to. */
  diagnostics: DiagnosticsQuery | undefined;
  /** Columns of the current result set (for diagnostics: the shape the gateway's rows must match). */
  columnCount: number;
  /** Rows of the current result set seen so far (forwarded or dropped). */
  rowIndex: number;
}

interface PrepareResponse {
  readonly kind: 'prepare';
  readonly outcome: StatementOutcome;
  state: 'ok' | 'params' | 'params-eof' | 'columns' | 'columns-eof';
  left: number;
  columnCount: number;
  completion?: Completion;
}

/** Responses of exactly one packet (OK/ERR/EOF or COM_STATISTICS' text), with an effect on success. */
interface SimpleResponse {
  readonly kind: 'simple';
  readonly onOk?: () => void;
  completion?: Completion;
}

/** COM_FIELD_LIST: column definitions up to an EOF (or ERR). */
interface FieldListResponse {
  readonly kind: 'field-list';
  completion?: Completion;
}

type Response = ResultResponse | PrepareResponse | SimpleResponse | FieldListResponse;

/** Replication and obsolete commands: never let through. */
const REFUSED_COMMANDS = new Set<number>([
  Command.SLEEP,
  Command.CREATE_DB,
  Command.DROP_DB,
  Command.SHUTDOWN,
  Command.CONNECT,
  Command.DEBUG,
  Command.TIME,
  Command.DELAYED_INSERT,
  Command.BINLOG_DUMP,
  Command.TABLE_DUMP,
  Command.CONNECT_OUT,
  Command.REGISTER_SLAVE,
  Command.DAEMON,
  Command.BINLOG_DUMP_GTID,
  Command.STMT_BULK_EXECUTE,
]);

/**
 * Commands that leave the last statement's warnings in place, as the server's diagnostics area does
 * (COM_QUERY decides by its text: only SHOW WARNINGS and its count keep them).
 */
const KEEPS_WARNINGS = new Set<number>([Command.QUERY, Command.PING, Command.STMT_CLOSE, Command.STMT_SEND_LONG_DATA, Command.STATISTICS, Command.SET_OPTION]);

/** COM_STMT_EXECUTE flag: open a read-only cursor instead of sending rows. */
const CURSOR_TYPE_READ_ONLY = 0x01;

/** Client packets queued behind a command in flight before the client is paused. */
const MAX_QUEUED_COMMANDS = 16;

/**
 * The steady state of one MySQL session. The protocol is strictly one command, one response: a
 * command is decided before a byte of it goes upstream, the response is followed packet by packet
 * (so the relay knows where it ends), ERR messages are redacted, and rows are decoded only when the
 * decision carries a mask plan. Commands a client pipelines are queued; each side pauses while the
 * other cannot take more.
 */
export class Relay {
  readonly #client: Duplex;
  readonly #upstream: Duplex;
  readonly #clientReader: PacketReader;
  readonly #upstreamReader: PacketReader;
  readonly #context: RelayContext;
  readonly #capabilities: number;
  readonly #deprecateEof: boolean;

  readonly #statements = new Map<number, PreparedStatement>();
  #response: Response | undefined;
  /** The sequence id the next upstream packet must carry. */
  #expectedUpstreamSequence = 1;
  /** A LOCAL INFILE transfer in progress: client packets are file data until an empty one. */
  #infile: { nextSequence: number } | undefined;
  readonly #clientQueue: Packet[] = [];

  readonly #toUpstream: Buffer[] = [];
  readonly #toClient: Buffer[] = [];
  /** Server packets of the current chunk forwarded to the client unchanged. */
  #verbatimForwards = 0;
  /**
   * Client sequence id minus server sequence id in the current response: non-zero once the gateway
   * dropped packets (rows past the row limit) or added some (its warnings in SHOW WARNINGS).
   */
  #clientShift = 0;
  /** Warnings the gateway raised for the last statement, until a statement that is not SHOW WARNINGS. */
  #gatewayWarnings: GatewayWarning[] = [];

  #draining = false;
  #ended = false;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(sides: { client: Duplex; clientReader: PacketReader; upstream: Duplex; upstreamReader: PacketReader; capabilities: number }, context: RelayContext) {
    this.#client = sides.client;
    this.#upstream = sides.upstream;
    this.#clientReader = sides.clientReader;
    this.#upstreamReader = sides.upstreamReader;
    this.#capabilities = sides.capabilities;
    this.#deprecateEof = (sides.capabilities & Capability.DEPRECATE_EOF) !== 0;
    this.#context = context;
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Starts relaying; `clientPackets` were read during the handshake but not handled. */
  start(clientPackets: readonly Packet[]): void {
    this.#client.on('data', (chunk: Buffer) => this.#onClientData(chunk));
    this.#upstream.on('data', (chunk: Buffer) => this.#onUpstreamData(chunk));
    this.#client.on('end', () => this.#end('client closed'));
    this.#client.on('close', () => this.#end('client closed'));
    this.#client.on('error', () => this.#end('client socket error'));
    this.#upstream.on('end', () => this.#end('upstream closed'));
    this.#upstream.on('close', () => this.#end('upstream closed'));
    this.#upstream.on('error', () => this.#end('upstream socket error'));
    this.#handleClientPackets(clientPackets);
  }

  /** Graceful shutdown: end once the command in flight (if any) has been answered. */
  drain(): void {
    this.#draining = true;
    if (this.#idle()) this.#shutdown();
  }

  close(reason: string): void {
    this.#end(reason);
  }

  // ── client → upstream ────────────────────────────────────────────────────────────────────────

  #onClientData(chunk: Buffer): void {
    let packets: Packet[];
    try {
      packets = this.#clientReader.push(chunk);
    } catch (error) {
      this.#protocolViolation('client', error);
      return;
    }
    this.#handleClientPackets(packets);
  }

  #handleClientPackets(packets: readonly Packet[]): void {
    try {
      for (const packet of packets) {
        if (this.#ended) return;
        if (this.#infile) this.#infileData(packet);
        else this.#clientQueue.push(packet);
      }
      this.#runQueuedCommands();
    } catch (error) {
      this.#protocolViolation('client', error);
      return;
    }
    this.#flushAll();
  }

  /** Runs queued commands while no response is outstanding. */
  #runQueuedCommands(): void {
    while (this.#response === undefined && !this.#infile && this.#clientQueue.length > 0 && !this.#ended) {
      this.#command(this.#clientQueue.shift()!);
    }
    if (this.#clientQueue.length >= MAX_QUEUED_COMMANDS) this.#client.pause();
    else if (this.#clientQueue.length === 0 && this.#client.isPaused() && !this.#clientBlockedByWrite) this.#client.resume();
  }

  #clientBlockedByWrite = false;

  #infileData(packet: Packet): void {
    const infile = this.#infile!;
    if (packet.sequenceId !== infile.nextSequence) {
      throw new ProtocolError(ProtocolErrorCode.SequenceMismatch, `LOCAL INFILE data packet has sequence id ${packet.sequenceId}; expected ${infile.nextSequence}`);
    }
    this.#toUpstream.push(packet.raw);
    infile.nextSequence = nextSequenceId(packet.lastSequenceId);
    if (packet.payload.length === 0) {
      this.#expectedUpstreamSequence = infile.nextSequence;
      this.#infile = undefined;
    }
  }

  #command(packet: Packet): void {
    if (packet.sequenceId !== 0) {
      throw new ProtocolError(ProtocolErrorCode.SequenceMismatch, `a command must start with sequence id 0, got ${packet.sequenceId}`);
    }
    if (packet.payload.length === 0) throw new ProtocolError(ProtocolErrorCode.Malformed, 'empty command packet');
    const code = packet.payload[0]!;
    // A new statement replaces the last one's warnings, as the server's diagnostics area does
    // (COM_QUERY decides for itself: SHOW WARNINGS keeps them).
    if (!KEEPS_WARNINGS.has(code)) this.#gatewayWarnings = [];
    switch (code) {
      case Command.QUERY:
        return this.#query(packet);
      case Command.STMT_PREPARE:
        return this.#prepare(packet);
      case Command.STMT_EXECUTE:
        return this.#execute(packet);
      case Command.STMT_FETCH: {
        const id = decodeCommandId(packet.payload, 'COM_STMT_FETCH');
        const statement = this.#statements.get(id);
        if (!statement) return this.#answer(unknownStatementError(id, 'mysqld_stmt_fetch', 1));
        // Rows to mask need the columns the cursor's EXECUTE described; without them nothing may pass.
        if (statement.outcome.decision.obligations.mask && !statement.cursorColumns) return this.#answer(noOpenCursorError(id, 1));
        const response = this.#resultResponse(statement.outcome, '', statement, true, false, 'rows', statement.cursorColumns);
        response.allowance = statement.cursorAllowance;
        this.#forward(packet, response, statement.outcome);
        if (response.completion) response.completion.rows = 0; // a fetch past the end returns none
        return;
      }
      case Command.STMT_SEND_LONG_DATA:
      case Command.STMT_CLOSE: {
        // No response either way; an id the gateway never allowed is dropped (EXECUTE refuses it).
        const id = decodeCommandId(packet.payload, commandName(code));
        if (!this.#statements.has(id)) return;
        if (code === Command.STMT_CLOSE) this.#statements.delete(id);
        this.#toUpstream.push(packet.raw);
        return;
      }
      case Command.STMT_RESET: {
        const id = decodeCommandId(packet.payload, 'COM_STMT_RESET');
        const statement = this.#statements.get(id);
        if (!statement) return this.#answer(unknownStatementError(id, 'mysqld_stmt_reset', 1));
        // A reset closes the statement's cursor.
        statement.cursorColumns = undefined;
        statement.cursorAllowance = undefined;
        return this.#forward(packet, { kind: 'simple' });
      }
      case Command.INIT_DB: {
        const database = decodeCommandText(packet.payload, 'COM_INIT_DB');
        const outcome = this.#decideActions([useDatabaseAction(database)], `USE ${database}`);
        return this.#gated(outcome, () => this.#forward(packet, { kind: 'simple', onOk: () => this.#context.setDatabase(database) }, outcome));
      }
      case Command.FIELD_LIST: {
        const { table } = decodeFieldList(packet.payload);
        const outcome = this.#decideActions([fieldListAction(this.#context.database(), table)], `COM_FIELD_LIST ${table}`);
        return this.#gated(outcome, () => this.#forward(packet, { kind: 'field-list' }, outcome));
      }
      case Command.PROCESS_KILL: {
        const id = decodeCommandId(packet.payload, 'COM_PROCESS_KILL');
        const outcome = this.#decideActions([killAction()], `KILL ${id}`);
        return this.#gated(outcome, () => {
          if (!this.#context.mayKill(id)) return this.#refuse(outcome, noSuchThreadError(id, 1), performance.now());
          this.#forward(packet, { kind: 'simple' }, outcome);
        });
      }
      case Command.STATISTICS: {
        const outcome = this.#decideActions([statisticsAction()], 'COM_STATISTICS');
        return this.#gated(outcome, () => this.#forward(packet, { kind: 'simple' }, outcome));
      }
      case Command.PROCESS_INFO: {
        const outcome = this.#decideActions([processInfoAction()], 'COM_PROCESS_INFO');
        return this.#gated(outcome, () => this.#forward(packet, this.#resultResponse(outcome, '', undefined, false, false, 'first', undefined), outcome));
      }
      case Command.REFRESH: {
        const outcome = this.#decideActions([refreshAction()], 'COM_REFRESH');
        return this.#gated(outcome, () => this.#forward(packet, { kind: 'simple' }, outcome));
      }
      case Command.PING:
      case Command.SET_OPTION:
        return this.#forward(packet, { kind: 'simple' });
      case Command.RESET_CONNECTION:
        // The server resets the session (variables, temporary tables, statements, database) and keeps the login,
        // so the identity stays the same; the gateway forgets its statements and goes back to the first database.
        return this.#forward(packet, {
          kind: 'simple',
          onOk: () => {
            this.#statements.clear();
            this.#context.setDatabase(this.#context.initialDatabase);
          },
        });
      case Command.CHANGE_USER:
        return this.#answer(
          notSupportedError('COM_CHANGE_USER is refused: the gateway session belongs to the identity that logged in; reconnect with the other identity\'s token', 1),
        );
      case Command.QUIT:
        this.#upstream.end(packet.raw);
        this.#end('client quit');
        return;
      default:
        // Replication, obsolete and unknown commands (REFUSED_COMMANDS and anything newer).
        return this.#answer(unsupportedCommandError(REFUSED_COMMANDS.has(code) ? commandName(code) : `command 0x${code.toString(16)}`, 1));
    }
  }

  #query(packet: Packet): void {
    const text = decodeQuery(packet.payload);
    const diagnostics = diagnosticsQueryOf(text);
    if (!diagnostics) this.#gatewayWarnings = [];
    const outcome = this.#decide(text);
    this.#gated(outcome, () => this.#queryAllowed(packet, text, outcome, diagnostics));
  }

  #queryAllowed(packet: Packet, text: string, outcome: StatementOutcome, diagnostics: DiagnosticsQuery | undefined): void {
    if (isKillStatement(outcome.actions)) {
      const target = killTargetOf(text);
      if (target === undefined) {
        const decision = { ...outcome.decision, effect: 'deny' as const, reason: 'only KILL [QUERY|CONNECTION] <id> of your own gateway session is supported' };
        return this.#refuse(outcome, refusalError(decision, 1), performance.now());
      }
      if (!this.#context.mayKill(target)) return this.#refuse(outcome, noSuchThreadError(target, 1), performance.now());
    }
    const single = outcome.actions.length === 1 ? outcome.actions[0] : undefined;
    const useDatabase = single?.operation === 'USE' ? single.objects[0]?.name : undefined;
    const response: ResultResponse = { ...this.#resultResponse(outcome, text, undefined, false, false, 'first', undefined), useDatabase };
    if (this.#gatewayWarnings.length > 0) response.diagnostics = diagnostics;
    this.#forward(this.#outgoing(packet, Command.QUERY, text, outcome), response, outcome);
  }

  #prepare(packet: Packet): void {
    const text = decodeCommandText(packet.payload, 'COM_STMT_PREPARE');
    const outcome = this.#decide(text);
    this.#gated(outcome, () =>
      this.#forward(this.#outgoing(packet, Command.STMT_PREPARE, text, outcome), { kind: 'prepare', outcome, state: 'ok', left: 0, columnCount: 0 }, outcome),
    );
  }

  /**
   * What goes upstream for a statement the gate let through: the client's packet as it came, or,
   * when the decision rewrote the statement (row filters) or trace context is propagated, the
   * rewritten text with the sqlcommenter comment appended. Never the client's text once a rewrite
   * exists.
   */
  #outgoing(packet: Packet, command: number, text: string, outcome: StatementOutcome): Outgoing {
    let traceparent: string | undefined;
    try {
      traceparent = this.#context.traceContext?.(outcome);
    } catch {
      traceparent = undefined; // a tracer's failure never stops the statement
    }
    if (outcome.forwardText === undefined && traceparent === undefined) return packet;
    let forwarded = outcome.forwardText ?? text;
    if (traceparent !== undefined) forwarded = withTraceComment(forwarded, traceparent);
    // One command byte and the text: the physical packets it takes end at this sequence id.
    const lastSequenceId = (physicalPacketCount(1 + Buffer.byteLength(forwarded)) - 1) & 0xff;
    return { raw: encodeCommandText(command, forwarded), lastSequenceId };
  }

  /**
   * Runs `proceed` once the gate says so, now or when it resolves; otherwise answers with the
   * native refusal. While a gate is pending the command queue waits, so commands keep their order.
   * A gate that fails refuses: nothing is forwarded on an error.
   */
  #gated(outcome: StatementOutcome, proceed: () => void): void {
    const decidedAt = performance.now();
    let result: GateResult | Promise<GateResult>;
    try {
      result = this.#context.gate ? this.#context.gate(outcome) : decisionGate(outcome);
    } catch {
      result = GATE_FAILED;
    }
    if (!(result instanceof Promise)) return this.#applyGate(result, outcome, proceed, decidedAt);
    this.#response = GATE_PENDING;
    result
      .catch(() => GATE_FAILED)
      .then((settled) => {
        if (this.#ended) return;
        this.#response = undefined;
        try {
          this.#applyGate(settled, outcome, proceed, decidedAt);
          this.#runQueuedCommands();
        } catch (error) {
          this.#protocolViolation('client', error);
          return;
        }
        this.#flushAll();
      });
  }

  #applyGate(result: GateResult, outcome: StatementOutcome, proceed: () => void, decidedAt: number): void {
    if (result.proceed) return proceed();
    this.#refuse(outcome, gateRefusalError(result, outcome.decision, 1), decidedAt);
  }

  /** The gateway refuses a decided statement with `err`: nothing goes upstream; it completes as blocked. */
  #refuse(outcome: StatementOutcome, err: Buffer, decidedAt: number): void {
    this.#answer(err);
    this.#context.onCompleted?.({ outcome, result: 'blocked', durationMs: performance.now() - decidedAt, maskedValues: 0 });
  }

  #execute(packet: Packet): void {
    const { statementId, flags } = decodeStmtExecuteHead(packet.payload);
    const statement = this.#statements.get(statementId);
    // Only ids the server gave for statements the gateway allowed are ever let through.
    if (!statement) return this.#answer(unknownStatementError(statementId, 'mysqld_stmt_execute', 1));
    const cursor = (flags & CURSOR_TYPE_READ_ONLY) !== 0;
    // Every EXECUTE closes the statement's previous cursor; a new one brings its own column definitions.
    statement.cursorColumns = undefined;
    statement.cursorAllowance = undefined;
    this.#forward(packet, this.#resultResponse(statement.outcome, '', statement, true, cursor, 'first', undefined), statement.outcome);
  }

  #resultResponse(
    outcome: StatementOutcome | undefined,
    text: string,
    statement: PreparedStatement | undefined,
    binary: boolean,
    cursor: boolean,
    state: ResultResponse['state'],
    columns: readonly ColumnDefinition[] | undefined,
  ): ResultResponse {
    const response: ResultResponse = {
      kind: 'result',
      binary,
      outcome,
      text,
      statement,
      cursor,
      state,
      columnsLeft: 0,
      columns: undefined,
      masker: undefined,
      withheld: false,
      useDatabase: undefined,
      allowance: undefined,
      cut: false,
      warningsRaised: 0,
      diagnostics: undefined,
      columnCount: 0,
      rowIndex: 0,
    };
    // COM_STMT_FETCH starts with rows: its plan comes from the columns the EXECUTE described.
    const mask = outcome?.decision.obligations.mask;
    if (state === 'rows' && mask) {
      if (columns) response.masker = rowMaskerFor(columns, binary, mask, outcome.actions, this.#context.masker);
      else response.withheld = true; // unreachable: COM_STMT_FETCH is refused first when columns are missing
    }
    return response;
  }

  #decide(text: string): StatementOutcome {
    let outcome = this.#context.decide(text);
    if (touchesPinnedSetting(text)) outcome = { actions: outcome.actions, decision: pinnedSettingDecision() };
    this.#context.onStatement?.(outcome, 'statement');
    return outcome;
  }

  #decideActions(actions: readonly Action[], what: string): StatementOutcome {
    const outcome = this.#context.decideActions(actions);
    this.#context.onStatement?.(outcome, what);
    return outcome;
  }

  /** Sends a command upstream; `outcome`: the decided statement whose completion the response reports. */
  #forward(packet: Outgoing, response: Response, outcome?: StatementOutcome): void {
    this.#toUpstream.push(packet.raw);
    if (outcome && this.#context.onCompleted) {
      response.completion = { outcome, startedAt: performance.now(), rows: undefined, errorCode: undefined, maskedValues: 0, withheld: false };
    }
    this.#response = response;
    this.#clientShift = 0;
    this.#expectedUpstreamSequence = nextSequenceId(packet.lastSequenceId);
  }

  /** The response in flight is complete: its statement's completion is reported. */
  #finish(): void {
    const response = this.#response;
    this.#response = undefined;
    if (!response?.completion) return;
    const completion = response.completion;
    if (response.kind === 'result') this.#retireMasker(response);
    const failed = completion.errorCode !== undefined || completion.withheld;
    this.#context.onCompleted?.({
      outcome: completion.outcome,
      result: failed ? 'error' : 'ok',
      durationMs: performance.now() - completion.startedAt,
      maskedValues: completion.maskedValues,
      ...(completion.rows !== undefined ? { rows: completion.rows } : {}),
      ...(completion.errorCode !== undefined ? { errorCode: completion.errorCode } : {}),
    });
  }

  /** Adds the values the current result set's masker masked to the statement's count, and drops it. */
  #retireMasker(response: ResultResponse): void {
    if (response.masker && response.completion) response.completion.maskedValues += response.masker.plan.maskedCount;
    response.masker = undefined;
  }

  /** The gateway answers the command itself (refusals); nothing goes upstream. */
  #answer(packet: Buffer): void {
    this.#toClient.push(packet);
  }

  // ── upstream → client ────────────────────────────────────────────────────────────────────────

  #onUpstreamData(chunk: Buffer): void {
    let packets: Packet[];
    const reader = this.#upstreamReader;
    const out = this.#toClient;
    const whole = reader.idle;
    const queuedBefore = out.length;
    this.#verbatimForwards = 0;
    try {
      packets = reader.push(chunk);
      for (const packet of packets) {
        if (this.#ended) return;
        this.#upstreamPacket(packet);
      }
      this.#runQueuedCommands();
    } catch (error) {
      this.#protocolViolation(error instanceof PinnedSettingChangedError ? 'pinned' : 'upstream', error);
      return;
    }
    // The common case: a chunk of whole packets, every one forwarded unchanged and nothing else added.
    // The chunk itself then goes out, as a bare relay would send it, instead of one view per packet.
    if (whole && reader.idle && packets.length > 0 && this.#verbatimForwards === packets.length && out.length - queuedBefore === packets.length) {
      out.length = queuedBefore;
      out.push(chunk);
    }
    this.#flushAll();
    if (this.#draining && this.#idle()) this.#shutdown();
  }

  /** A server packet goes to the client exactly as it came (counted for the whole-chunk shortcut). */
  #forwardRaw(packet: Packet): void {
    if (this.#clientShift !== 0) {
      this.#toClient.push(resequence(packet.raw, this.#clientShift));
      return;
    }
    this.#toClient.push(packet.raw);
    this.#verbatimForwards++;
  }

  /** A packet the gateway built or changed, numbered as the server's packet at its place: moved by the shift. */
  #sendChanged(raw: Buffer): void {
    this.#toClient.push(this.#clientShift === 0 ? raw : resequence(raw, this.#clientShift));
  }

  #upstreamPacket(packet: Packet): void {
    const response = this.#response;
    if (!response) throw new ProtocolError(ProtocolErrorCode.UnexpectedPacket, 'upstream sent a packet while no command was in flight');
    if (packet.sequenceId !== this.#expectedUpstreamSequence) {
      throw new ProtocolError(ProtocolErrorCode.SequenceMismatch, `upstream packet has sequence id ${packet.sequenceId}; expected ${this.#expectedUpstreamSequence}`);
    }
    this.#expectedUpstreamSequence = nextSequenceId(packet.lastSequenceId);
    // raw[4] is the payload's first byte (undefined for an empty payload).
    if (packet.raw[4] === ERR_HEADER) {
      const err = decodeErr(packet.payload);
      if (response.completion) response.completion.errorCode = String(err.errorCode);
      if (response.kind !== 'result' || !response.withheld) this.#sendChanged(this.#redactedErr(err, packet.sequenceId));
      this.#finish();
      return;
    }
    if (response.kind === 'result') return this.#resultPacket(response, packet);
    const payload = packet.payload;
    switch (response.kind) {
      case 'simple':
        if (payload[0] === OK_HEADER) {
          this.#watchOk(payload);
          response.onOk?.();
        }
        this.#forwardRaw(packet);
        this.#finish();
        return;
      case 'field-list':
        this.#forwardRaw(packet);
        if (isResultSetTerminator(payload, false) || (this.#deprecateEof && isResultSetTerminator(payload, true))) this.#finish();
        return;
      case 'prepare':
        return this.#prepareResponse(response, packet);
    }
  }

  #prepareResponse(response: PrepareResponse, packet: Packet): void {
    this.#forwardRaw(packet);
    const payload = packet.payload;
    switch (response.state) {
      case 'ok': {
        const ok = decodeStmtPrepareOk(payload);
        this.#statements.set(ok.statementId, { outcome: response.outcome });
        response.columnCount = ok.columnCount;
        if (ok.paramCount > 0) {
          response.state = 'params';
          response.left = ok.paramCount;
        } else this.#prepareColumns(response);
        return;
      }
      case 'params':
        if (--response.left === 0) {
          if (this.#deprecateEof) this.#prepareColumns(response);
          else response.state = 'params-eof';
        }
        return;
      case 'params-eof':
        this.#prepareColumns(response);
        return;
      case 'columns':
        if (--response.left === 0) {
          if (this.#deprecateEof) this.#finish();
          else response.state = 'columns-eof';
        }
        return;
      case 'columns-eof':
        this.#finish();
        return;
    }
  }

  #prepareColumns(response: PrepareResponse): void {
    if (response.columnCount === 0) {
      this.#finish();
      return;
    }
    response.state = 'columns';
    response.left = response.columnCount;
  }

  #resultPacket(response: ResultResponse, packet: Packet): void {
    if (response.state === 'rows') return this.#rowPacket(response, packet);
    const payload = packet.payload;
    switch (response.state) {
      case 'first': {
        const header = payload[0];
        if (header === OK_HEADER) {
          const ok = this.#watchOk(payload);
          if (response.useDatabase) this.#context.setDatabase(response.useDatabase);
          const completion = response.completion;
          if (completion) completion.rows = (completion.rows ?? 0) + ok.affectedRows;
          if (!response.withheld) {
            // After a cut result set, the OK that ends the response (a CALL's) counts the gateway's warnings too.
            if (response.warningsRaised > 0) this.#sendChanged(patchTerminator(packet.raw, this.#capabilities, response.warningsRaised));
            else this.#forwardRaw(packet);
          }
          if (!(ok.statusFlags & ServerStatus.MORE_RESULTS_EXISTS)) this.#finish();
          return;
        }
        if (header === LOCAL_INFILE_HEADER) return this.#localInfile(response, packet);
        const count = decodeColumnCount(payload);
        response.state = 'columns';
        response.columnsLeft = count;
        response.columnCount = count;
        response.rowIndex = 0;
        response.cut = false;
        this.#retireMasker(response);
        const collect = response.outcome?.decision.obligations.mask !== undefined || response.cursor;
        response.columns = collect ? [] : undefined;
        const limit = response.outcome?.decision.obligations.rowLimit;
        response.allowance = limit !== undefined ? new RowAllowance(limit) : undefined;
        if (response.cursor && response.statement) response.statement.cursorAllowance = response.allowance;
        if (response.completion) response.completion.rows ??= 0;
        if (!response.withheld) this.#forwardRaw(packet);
        return;
      }
      case 'columns':
        if (response.columns) response.columns.push(decodeColumnDefinition(payload));
        if (!response.withheld) this.#forwardRaw(packet);
        if (--response.columnsLeft === 0) {
          this.#columnsComplete(response, packet.lastSequenceId);
          response.state = this.#deprecateEof ? 'rows' : 'columns-eof';
        }
        return;
      case 'columns-eof': {
        if (!response.withheld) this.#forwardRaw(packet);
        response.state = 'rows';
        const status = terminatorStatus(payload, this.#capabilities);
        // An EXECUTE that opened a cursor ends here; the rows come with COM_STMT_FETCH.
        if (response.cursor && status & ServerStatus.CURSOR_EXISTS) {
          if (response.completion?.rows === 0) response.completion.rows = undefined;
          this.#finish();
        }
        return;
      }
    }
  }

  /** A row or the terminator: looked at through `raw` unless it must be masked or cut (the hot path). */
  #rowPacket(response: ResultResponse, packet: Packet): void {
    const raw = packet.raw;
    // The terminator: 0xfe and short (raw.length − 4 is the payload length, and more for split payloads).
    if (raw[4] === EOF_HEADER && raw.length - 4 < (this.#deprecateEof ? MAX_PACKET_CHUNK : 9)) return this.#terminator(response, packet);
    if (response.withheld) return;
    const index = response.rowIndex++;
    if (response.allowance && !response.allowance.take()) {
      // Past the row limit: read and dropped; every later packet of the response moves up.
      response.cut = true;
      this.#clientShift -= physicalPackets(packet);
      return;
    }
    if (response.completion) response.completion.rows = (response.completion.rows ?? 0) + 1;
    if (response.diagnostics === 'count' && index === 0 && response.columnCount === 1) {
      const counted = addToCountRow(packet.payload, this.#gatewayWarnings.length, packet.sequenceId);
      if (counted) return this.#sendChanged(counted);
    }
    const masker = response.masker;
    if (!masker) {
      this.#forwardRaw(packet);
      return;
    }
    const payload = packet.payload;
    let masked: Buffer;
    try {
      masked = masker.mask(payload);
    } catch {
      this.#withhold(response, packet.sequenceId);
      return;
    }
    if (masked === payload) this.#forwardRaw(packet);
    else if (Math.floor(masked.length / 0xffffff) !== Math.floor(payload.length / 0xffffff)) {
      // A masked row that needs another physical packet would shift every later sequence id.
      this.#withhold(response, packet.sequenceId);
    } else this.#sendChanged(framePayload(masked, packet.sequenceId));
  }

  /**
   * The end of a result set. A cut one raises the gateway's warning (counted here and in every
   * terminator after it; a cursor's fetch also says its last row was sent, so the client stops
   * fetching); a SHOW WARNINGS gets the gateway's warnings as its last rows.
   */
  #terminator(response: ResultResponse, packet: Packet): void {
    const status = terminatorStatus(packet.payload, this.#capabilities);
    this.#watchStatus(status);
    this.#retireMasker(response);
    let setStatus = 0;
    if (response.cut && response.allowance && response.outcome) {
      this.#gatewayWarnings.push(rowLimitWarning(response.allowance.limit, response.outcome.decision));
      response.warningsRaised++;
      response.cut = false;
      if (status & ServerStatus.CURSOR_EXISTS) setStatus = ServerStatus.LAST_ROW_SENT;
    }
    if (!response.withheld) {
      if (response.diagnostics === 'list' && response.columnCount === 3) {
        for (const warning of this.#gatewayWarnings) {
          this.#sendChanged(warningRow(warning, packet.sequenceId));
          this.#clientShift++;
          if (response.completion) response.completion.rows = (response.completion.rows ?? 0) + 1;
        }
      }
      if (response.warningsRaised > 0) this.#sendChanged(patchTerminator(packet.raw, this.#capabilities, response.warningsRaised, setStatus));
      else this.#forwardRaw(packet);
    }
    // An EXECUTE that opened a cursor (CLIENT_DEPRECATE_EOF: its terminator comes here) returned no rows yet.
    if (response.cursor && status & ServerStatus.CURSOR_EXISTS && response.completion?.rows === 0) response.completion.rows = undefined;
    if (status & ServerStatus.MORE_RESULTS_EXISTS) response.state = 'first';
    else this.#finish();
  }

  #columnsComplete(response: ResultResponse, lastSequenceId: number): void {
    const columns = response.columns;
    if (!columns) return;
    if (response.cursor && response.statement) response.statement.cursorColumns = columns;
    const mask = response.outcome?.decision.obligations.mask;
    if (!mask || !response.outcome) return;
    try {
      response.masker = rowMaskerFor(columns, response.binary, mask, response.outcome.actions, this.#context.masker);
    } catch {
      // No plan, no rows: the client has the column definitions and gets an ERR in place of what follows.
      if (!response.withheld) this.#withhold(response, nextSequenceId(lastSequenceId));
    }
  }

  /**
   * The server asks the client for a local file. Only a statement decided as LOAD DATA LOCAL (file
   * access, allowed) may make the client send one; any other request — a rogue or confused server
   * fishing for client files — is answered "no file" by the gateway and never reaches the client.
   */
  #localInfile(response: ResultResponse, packet: Packet): void {
    const permitted =
      response.outcome !== undefined &&
      allowsLocalInfile(response.text, response.outcome.actions) &&
      (this.#capabilities & Capability.LOCAL_FILES) !== 0 &&
      // The client numbers its file packets after the request as it saw it; after a cut they would not line up.
      this.#clientShift === 0;
    if (permitted) {
      this.#forwardRaw(packet);
      this.#infile = { nextSequence: nextSequenceId(packet.lastSequenceId) };
      return;
    }
    const empty = framePayload(Buffer.alloc(0), nextSequenceId(packet.lastSequenceId));
    this.#toUpstream.push(empty);
    this.#expectedUpstreamSequence = nextSequenceId(nextSequenceId(packet.lastSequenceId));
  }

  #withhold(response: ResultResponse, sequenceId: number): void {
    response.withheld = true;
    this.#retireMasker(response);
    if (response.completion) response.completion.withheld = true;
    this.#sendChanged(maskingFailedError(sequenceId));
    // The rest of the response is read and dropped; the client already has its terminating ERR.
  }

  #redactedErr(err: ErrPacket, sequenceId: number): Buffer {
    return encodeErr({ errorCode: err.errorCode, sqlState: err.sqlState, message: this.#context.redactText(err.message) }, sequenceId);
  }

  /** Checks an OK packet for settings the gateway pins. */
  #watchOk(payload: Buffer): OkPacket {
    const ok = decodeOk(payload, this.#capabilities);
    this.#watchStatus(ok.statusFlags);
    if (ok.sessionState) {
      for (const [name, value] of sessionStateVariables(ok.sessionState)) {
        const violation = pinnedVariableViolation(name, value);
        if (violation) throw new PinnedSettingChangedError(violation);
      }
    }
    return ok;
  }

  #watchStatus(status: number): void {
    if (status & ServerStatus.NO_BACKSLASH_ESCAPES) throw new PinnedSettingChangedError('sql_mode now contains NO_BACKSLASH_ESCAPES');
  }

  // ── plumbing ─────────────────────────────────────────────────────────────────────────────────

  #flushAll(): void {
    this.#flush(this.#upstream, this.#toUpstream, this.#client);
    this.#flush(this.#client, this.#toClient, this.#upstream);
  }

  /** Writes what was collected in one go; pauses `source` until `target` drains when it is full. */
  #flush(target: Duplex, buffers: Buffer[], source: Duplex): void {
    if (buffers.length === 0 || this.#ended) {
      buffers.length = 0;
      return;
    }
    coalesceAdjacent(buffers);
    let ok = true;
    if (buffers.length === 1) {
      ok = target.write(buffers[0]!);
    } else {
      target.cork();
      for (const buffer of buffers) ok = target.write(buffer);
      process.nextTick(() => target.uncork());
    }
    buffers.length = 0;
    if (!ok && !source.isPaused()) {
      source.pause();
      if (source === this.#client) this.#clientBlockedByWrite = true;
      target.once('drain', () => {
        if (source === this.#client) this.#clientBlockedByWrite = false;
        if (source !== this.#client || this.#clientQueue.length < MAX_QUEUED_COMMANDS) source.resume();
      });
    }
  }

  #idle(): boolean {
    return this.#response === undefined && this.#infile === undefined && this.#clientQueue.length === 0;
  }

  #shutdown(): void {
    if (this.#ended) return;
    // An unsolicited ERR is what a server sends when it goes away (clients show it on their next read).
    this.#client.end(encodeErr({ errorCode: ErrorCode.SERVER_SHUTDOWN, sqlState: '08S01', message: 'gatehouse: the gateway is shutting down' }, 0));
    this.#upstream.end(framePayload(Buffer.from([Command.QUIT]), 0));
    this.#end('drained');
  }

  #protocolViolation(side: 'client' | 'upstream' | 'pinned', error: unknown): void {
    if (this.#ended) return;
    this.#context.onProtocolError?.(side === 'pinned' ? 'upstream' : side, error);
    const message = side === 'upstream' ? 'the upstream sent a malformed or unexpected packet' : error instanceof Error ? error.message : 'malformed packet';
    const code =
      error instanceof ProtocolError && error.code === ProtocolErrorCode.PacketTooLarge
        ? ErrorCode.NET_PACKET_TOO_LARGE
        : error instanceof ProtocolError && error.code === ProtocolErrorCode.SequenceMismatch
          ? ErrorCode.NET_PACKETS_OUT_OF_ORDER
          : ErrorCode.NET_READ_ERROR;
    this.#client.end(protocolViolationError(message, side === 'client' ? 1 : this.#expectedUpstreamSequence, code));
    this.#upstream.end(framePayload(Buffer.from([Command.QUIT]), 0));
    this.#end(`${side} protocol violation`);
  }

  #end(_reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#client.writableEnded) this.#client.end();
    if (!this.#upstream.writableEnded) this.#upstream.end();
    setTimeout(() => {
      this.#client.destroy();
      this.#upstream.destroy();
    }, 1_000).unref();
    this.#resolveClosed();
  }
}

/** The server reports a pinned setting changed (e.g. inside a procedure the policy allowed): the session ends. */
class PinnedSettingChangedError extends Error {
  constructor(what: string) {
    super(`${what}; the gateway cannot read statements as the server would, so the session ends`);
  }
}
