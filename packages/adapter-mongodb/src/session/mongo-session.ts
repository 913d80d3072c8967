import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SecureContext } from 'node:tls';
import type { Document } from 'bson';
import type { Action, Masker, Principal, Session, SessionContext } from '@gatehouse/core';
import type { CompletedStatement, GateResult, HookSession, Logger, SessionHooks, SessionIdentity, SqlStatementDecider, StatementOutcome } from '@gatehouse/proxy';
import { decisionGate, errorSummary } from '@gatehouse/proxy';
import { classifyMongoCommand } from '../classify/classify-command.js';
import { numberOf } from '../classify/values.js';
import { decodeDocument } from '../protocol/bson-codec.js';
import type { MongoMessage } from '../protocol/message.js';
import { CLIENT_OPCODES, MessageReader } from '../protocol/message-reader.js';
import { MsgFlag, decodeOpMsg, encodeOpMsg } from '../protocol/op-msg.js';
import type { OpMsg } from '../protocol/op-msg.js';
import { decodeOpQuery } from '../protocol/op-query.js';
import { DEFAULT_MAX_MESSAGE_BYTES, HEADER_BYTES, OpCode } from '../protocol/opcodes.js';
import { authenticateSaslStart } from './client-auth.js';
import type { CursorEntry, CursorRegistry } from './cursor-registry.js';
import { DocumentMasker } from './document-masking.js';
import { HELLO_COMMANDS, clientMetadataOf, helloReply } from './hello.js';
import type { ClientMetadata } from './hello.js';
import { maskingBlocker } from './masking-scope.js';
import {
  authenticationFailedReply,
  foreignCursorReply,
  foreignSessionReply,
  interruptedReply,
  maskingFailedReply,
  opQueryUnsupportedReply,
  protocolViolationReply,
  gateRefusalReply,
  shuttingDownReply,
  tlsRequiredReply,
  unauthenticatedReply,
  upstreamUnavailableReply,
} from './native-errors.js';
import { encodeReply, newRequestId } from './replies.js';
import type { RequestKind } from './replies.js';
import { forwardBytes } from './forward-message.js';
import { rewriteReplyParts } from './reply-rewrite.js';
import type { CursorCut, CursorSeen } from './reply-rewrite.js';
import { summarizeReply } from './reply-summary.js';
import { applyRowFilters } from './row-filter-step.js';
import { limitBatch, rowLimitNotice, stricterLimit, withNotice } from './row-limit.js';
import { encodeDocumentValue } from '../protocol/bson-codec.js';
import { Long } from 'bson';
import { lsidKey } from './operation-registry.js';
import type { InterruptibleSession, OperationRegistry } from './operation-registry.js';
import { TransportRefusedError, acceptTransport, isLoopback } from './transport.js';
import { connectUpstream } from './upstream-login.js';
import type { MongoUpstreamSettings, UpstreamFactsCache } from './upstream-login.js';

/** Everything one MongoDB listener needs, shared by its sessions. */
export interface MongoListenerOptions {
  readonly secureContext: SecureContext;
  /** Accept plaintext from loopback clients (development); TLS is otherwise required. */
  readonly allowPlaintextOnLoopback: boolean;
  readonly upstream: MongoUpstreamSettings;
  readonly facts: UpstreamFactsCache;
  readonly cursors: CursorRegistry;
  /** Logical sessions (lsid) by principal; createMongoAdapter supplies one shared by the listener. */
  readonly operations?: OperationRegistry;
  authenticate(request: { user: string; credential: string; clientAddress: string }): Promise<Principal>;
  readonly decider: SqlStatementDecider;
  readonly masker: Masker;
  readonly logger: Logger;
  /** Audit, approvals and telemetry: the dialect-neutral extension points. */
  readonly hooks?: SessionHooks;
  /** JWT claim naming the user for MONGODB-OIDC; should equal the OIDC verifier's userClaim. Default `sub`. */
  readonly oidcUserClaim?: string;
  readonly maxMessageBytes?: number;
  readonly handshakeTimeoutMs?: number;
}

/** Commands answered before authentication (by the gateway itself). */
const PRE_AUTH_COMMANDS = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'buildInfo', 'buildinfo', 'saslStart', 'saslContinue', 'endSessions']);
/** Commands that would change who the connection is: never forwarded. */
const IDENTITY_COMMANDS = new Set(['authenticate', 'logout', 'copydbsaslstart', 'copydbgetnonce']);

/** A forwarded request whose reply is awaited. */
interface Pending {
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


const ignore = (): void => undefined;

let connectionCounter = 0;

function cursorIdOf(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'object' && value !== null && (value as { _bsontype?: string })._bsontype === 'Long') {
    return BigInt((value as { toString(): string }).toString());
  }
  const n = numberOf(value);
  return n !== undefined && Number.isInteger(n) ? BigInt(n) : undefined;
}

/**
 * One client connection: transport (TLS) → the gateway's own hello and SASL → upstream login →
 * relay. Every command is decided before a byte goes upstream; replies are rewritten only when a
 * mask plan, a cursor or an error message needs it. A failure ends this session only.
 */
export class MongoSession implements Session, InterruptibleSession {
  readonly id: string;
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #context: SessionContext;
  readonly #options: MongoListenerOptions;
  readonly #log: Logger;
  readonly #connectionId = ++connectionCounter;
  readonly #maxMessageBytes: number;
  readonly #operations: OperationRegistry | undefined;

  #client: Duplex | undefined;
  #tls = false;
  #clientReader: MessageReader;
  readonly #queue: MongoMessage[] = [];
  #busy = false;
  #principal: Principal | undefined;
  #metadata: ClientMetadata | undefined;
  #upstream: Duplex | undefined;
  #upstreamReader: MessageReader | undefined;
  /** Removes the relay's listeners from the current upstream socket. */
  #detachUpstream: (() => void) | undefined;
  /** The server's maxWireVersion: which commands take a `comment` (all from 4.4, wire 9). */
  #upstreamWireVersion = 0;
  /** A fresh upstream connection is being opened (after an interrupt); client messages wait. */
  #reconnecting = false;
  readonly #pending = new Map<number, Pending>();
  /** Requests the gateway itself sent upstream (killing a cursor cut by a row limit): their replies are dropped. */
  readonly #internal = new Set<number>();
  /** Client requests sent with moreToCome: a server should not answer; if one does, the reply is dropped. */
  readonly #unanswered = new Set<number>();
  readonly #identities = new Map<string, SessionIdentity>();
  #draining = false;
  #ended = false;
  #resolveClosed!: () => void;

  constructor(socket: Socket, context: SessionContext, options: MongoListenerOptions) {
    this.id = context.sessionId;
    this.#socket = socket;
    this.#context = context;
    this.#options = options;
    this.#maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#operations = options.operations;
    this.#clientReader = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client', maxMessageBytes: this.#maxMessageBytes });
    this.#log = options.logger.child({ sessionId: context.sessionId, connection: context.connection });
    this.closed = new Promise<void>((resolve) => (this.#resolveClosed = resolve));
    void this.#start().catch((error: unknown) => {
      this.#log.error({ err: errorSummary(error) }, 'session failed');
      this.#end();
    });
  }

  drain(): void {
    this.#draining = true;
    if (this.#idle()) this.#shutdown();
  }

  close(_reason: string): void {
    this.#end();
  }

  // ── transport ───────────────────────────────────────────────────────────────────────────────

  async #start(): Promise<void> {
    let transport;
    try {
      transport = await acceptTransport(this.#socket, this.#options.secureContext, this.#options.handshakeTimeoutMs ?? 30_000);
    } catch (error) {
      if (!(error instanceof TransportRefusedError)) throw error;
      this.#log.info({ reason: error.message }, 'connection refused before the first message');
      this.#end();
      return;
    }
    const client = transport.stream;
    this.#client = client;
    this.#tls = transport.tls;
    client.on('data', (chunk: Buffer) => this.#onClientData(chunk));
    client.on('end', () => this.#end());
    client.on('close', () => this.#end());
    client.on('error', () => this.#end());
    client.resume();
  }

  #plaintextAllowed(): boolean {
    return this.#options.allowPlaintextOnLoopback && isLoopback(this.#context.clientAddress);
  }

  // ── client messages, one at a time ───────────────────────────────────────────────────────────

  #onClientData(chunk: Buffer): void {
    let messages: MongoMessage[];
    try {
      messages = this.#clientReader.push(chunk);
    } catch (error) {
      this.#protocolViolation('client', error, undefined);
      return;
    }
    this.#queue.push(...messages);
    this.#pump();
  }

  #pump(): void {
    while (!this.#busy && !this.#reconnecting && !this.#ended && this.#queue.length > 0) {
      const message = this.#queue.shift()!;
      let wait: Promise<void> | undefined;
      try {
        wait = this.#clientMessage(message);
      } catch (error) {
        this.#protocolViolation('client', error, message);
        return;
      }
      if (wait) {
        this.#busy = true;
        this.#client?.pause();
        wait.then(
          () => {
            this.#busy = false;
            if (!this.#ended) {
              this.#client?.resume();
              this.#pump();
            }
          },
          (error: unknown) => this.#protocolViolation('client', error, message),
        );
        return;
      }
    }
    if (this.#draining && this.#idle()) this.#shutdown();
  }

  #reply(kind: RequestKind, request: MongoMessage, document: Document): void {
    this.#writeClient(encodeReply(kind, request.requestId, document));
  }

  #clientMessage(message: MongoMessage): Promise<void> | undefined {
    if (!this.#tls && !this.#plaintextAllowed()) {
      // Answer in the form the client used, then close: it must reconnect with TLS.
      this.#reply(message.opCode === OpCode.Query ? 'query' : 'msg', message, tlsRequiredReply());
      this.#log.info({ client: this.#context.clientAddress }, 'plaintext connection refused');
      this.#closeClientSoon();
      return undefined;
    }
    if (message.opCode === OpCode.Query) return this.#opQuery(message);
    const msg = decodeOpMsg(message);
    const command = decodeDocument(msg.body);
    const name = Object.keys(command)[0] ?? '';
    const moreToCome = (msg.flags & MsgFlag.MoreToCome) !== 0;
    const reply = (document: Document): void => {
      if (!moreToCome) this.#reply('msg', message, document);
    };
    if (HELLO_COMMANDS.has(name)) return this.#hello(command, name, (document) => reply(document));
    if (name === 'saslStart') return this.#saslStart(command, reply);
    if (name === 'saslContinue') {
      reply(authenticationFailedReply('no SASL conversation is in progress (PLAIN and MONGODB-OIDC finish in one step)'));
      return undefined;
    }
    if (!this.#principal || !this.#upstream) {
      if (!PRE_AUTH_COMMANDS.has(name)) reply(unauthenticatedReply(name || '?'));
      else if (name === 'buildInfo' || name === 'buildinfo') return this.#buildInfo(reply);
      else reply({ ok: 1 });
      return undefined;
    }
    if (IDENTITY_COMMANDS.has(name)) {
      reply(authenticationFailedReply(`${name} is not available through the gateway; reconnect to change identity`));
      return undefined;
    }
    return this.#relayCommand(message, msg, command, name, moreToCome);
  }

  /** Legacy OP_QUERY: only the handshake (hello/isMaster on `<db>.$cmd`). */
  #opQuery(message: MongoMessage): Promise<void> | undefined {
    const query = decodeOpQuery(message);
    let command = decodeDocument(query.query);
    // Legacy wrapping: {$query: {...}, $readPreference: …}.
    const wrapped: unknown = command['$query'];
    if (typeof wrapped === 'object' && wrapped !== null && !Array.isArray(wrapped)) command = wrapped as Document;
    const name = Object.keys(command)[0] ?? '';
    if (!query.fullCollectionName.endsWith('.$cmd') || !HELLO_COMMANDS.has(name)) {
      this.#reply('query', message, opQueryUnsupportedReply());
      return undefined;
    }
    return this.#hello(command, name, (document) => this.#reply('query', message, document));
  }

  async #hello(command: Document, name: string, reply: (document: Document) => void): Promise<void> {
    this.#metadata ??= clientMetadataOf(command);
    let facts;
    try {
      facts = await this.#options.facts.get();
    } catch (error) {
      this.#log.error({ err: errorSummary(error) }, 'upstream unavailable for hello');
      reply(upstreamUnavailableReply());
      return;
    }
    let speculativeDone = false;
    const speculative: unknown = command['speculativeAuthenticate'];
    if (!this.#principal && typeof speculative === 'object' && speculative !== null) {
      const request = speculative as Document;
      // Only one-step mechanisms can finish inside hello; anything else (SCRAM) is left unanswered,
      // so the driver falls back to saslStart and gets the clear refusal there.
      if (request['saslStart'] !== undefined && (request['mechanism'] === 'PLAIN' || request['mechanism'] === 'MONGODB-OIDC')) {
        const outcome = await authenticateSaslStart(request, this.#authContext());
        if (outcome.ok) speculativeDone = await this.#authenticated(outcome.principal, outcome.mechanism);
      }
    }
    reply(
      helloReply(facts.hello, {
        command: name,
        helloOk: command['helloOk'] === true,
        connectionId: this.#connectionId,
        saslSupportedMechs: command['saslSupportedMechs'] !== undefined,
        speculativeDone,
        maxMessageBytes: this.#maxMessageBytes,
      }),
    );
  }

  async #buildInfo(reply: (document: Document) => void): Promise<void> {
    const facts = await this.#options.facts.get().catch(() => undefined);
    const info = facts?.buildInfo;
    reply(info ? { version: info['version'], versionArray: info['versionArray'], maxBsonObjectSize: info['maxBsonObjectSize'], ok: 1 } : { ok: 1 });
  }

  #authContext() {
    return {
      tls: this.#tls,
      plaintextAllowed: this.#plaintextAllowed(),
      clientAddress: this.#context.clientAddress,
      oidcUserClaim: this.#options.oidcUserClaim ?? 'sub',
      authenticate: this.#options.authenticate,
    };
  }

  async #saslStart(command: Document, reply: (document: Document) => void): Promise<void> {
    const outcome = await authenticateSaslStart(command, this.#authContext());
    if (!outcome.ok) {
      this.#log.warn({ client: this.#context.clientAddress, reason: outcome.reason }, 'authentication refused');
      // Recorded (durably, when the audit trail is wired) before the client hears the refusal.
      await Promise.resolve(
        this.#options.hooks?.authenticationRefused?.(
          { sessionId: this.id, connection: this.#context.connection, environment: this.#context.environment, dialect: 'mongodb', clientAddress: this.#context.clientAddress },
          { claimedUser: claimedUserOf(command), reason: outcome.reason, tls: this.#tls, authMethod: String(command['mechanism'] ?? 'unknown') },
        ),
      ).catch((failure: unknown) => this.#log.error({ err: errorSummary(failure) }, 'authentication refusal could not be recorded'));
      reply(outcome.reply);
      return;
    }
    if (await this.#authenticated(outcome.principal, outcome.mechanism)) reply(outcome.reply);
    else reply(this.#principal ? authenticationFailedReply('re-authentication must prove the same identity') : upstreamUnavailableReply());
  }

  /** A client proved who it is: log in upstream (first time) and start relaying. */
  async #authenticated(principal: Principal, mechanism: string): Promise<boolean> {
    if (this.#principal) {
      // Re-authentication (e.g. an OIDC token refresh) may not switch identity mid-connection.
      if (principal.id !== this.#principal.id) {
        this.#log.warn({ principal: this.#principal.id, attempted: principal.id }, 're-authentication as someone else refused');
        return false;
      }
      this.#principal = principal;
      return true;
    }
    let upstream;
    try {
      upstream = await connectUpstream(this.#options.upstream);
    } catch (error) {
      this.#log.error({ err: errorSummary(error) }, 'upstream login failed');
      return false;
    }
    if (this.#ended) {
      upstream.socket.destroy();
      return false;
    }
    this.#principal = principal;
    this.#log.info(
      {
        principal: principal.id,
        kind: principal.kind,
        via: principal.via,
        mechanism,
        client: this.#context.clientAddress,
        application: this.#metadata?.application,
        driver: this.#metadata?.driver,
        platform: this.#metadata?.platform,
        tls: this.#tls,
      },
      'session authenticated',
    );
    this.#upstreamWireVersion = numberOf(upstream.hello['maxWireVersion']) ?? 0;
    this.#startRelay(upstream.socket, upstream.stream.detach(), upstream.stream.reader);
    this.#options.hooks?.sessionStarted?.({
      ...this.#hookSession(SESSION_DATABASE),
      ...(this.#metadata?.application ? { applicationName: this.#metadata.application } : {}),
      tls: this.#tls,
      startedAt: new Date(),
    });
    return true;
  }

  // ── relay ────────────────────────────────────────────────────────────────────────────────────

  #startRelay(socket: Duplex, leftovers: readonly MongoMessage[], reader: MessageReader): void {
    this.#upstream = socket;
    this.#upstreamReader = reader;
    const onData = (chunk: Buffer): void => this.#onUpstreamData(chunk);
    const onGone = (): void => this.#end();
    socket.on('data', onData);
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', onGone);
    this.#detachUpstream = () => {
      socket.off('data', onData);
      socket.off('end', onGone);
      socket.off('close', onGone);
      socket.off('error', onGone);
      socket.on('error', ignore);
    };
    if (leftovers.length > 0) this.#protocolViolation('upstream', new Error('upstream sent a message nobody asked for'), undefined);
  }

  #identity(db: string): SessionIdentity {
    let identity = this.#identities.get(db);
    if (!identity) {
      identity = {
        principal: this.#principal!,
        target: { connection: this.#context.connection, environment: this.#context.environment, dialect: 'mongodb', database: db },
        clientAddress: this.#context.clientAddress,
      };
      if (this.#identities.size > 64) this.#identities.clear();
      this.#identities.set(db, identity);
    }
    return identity;
  }

  /** Reports the decision (after row filters, which may have turned it into a refusal). */
  #decided(db: string, actions: readonly Action[], outcome: StatementOutcome): void {
    this.#options.hooks?.statementDecided?.(this.#hookSession(db), outcome);
    const level = outcome.decision.effect === 'allow' ? 'debug' : 'info';
    if (this.#log.isLevelEnabled(level)) this.#log[level](
      {
        principal: this.#principal!.id,
        effect: outcome.decision.effect,
        rules: outcome.decision.rules,
        risk: outcome.decision.risk.score,
        statements: actions.map((action) => action.redactedText),
      },
      'statement decided',
    );
  }

  /** statementCompleted for one decided command (refused, answered here, or replied to by the server). */
  #completed(db: string, outcome: StatementOutcome, startedAt: number, result: CompletedStatement['result'], details: { rows?: number; errorCode?: string; maskedValues?: number } = {}): void {
    const hook = this.#options.hooks?.statementCompleted;
    if (!hook) return;
    hook(this.#hookSession(db), {
      outcome,
      result,
      durationMs: performance.now() - startedAt,
      maskedValues: details.maskedValues ?? 0,
      ...(details.rows !== undefined ? { rows: details.rows } : {}),
      ...(details.errorCode !== undefined ? { errorCode: details.errorCode } : {}),
    });
  }

  #relayCommand(message: MongoMessage, msg: OpMsg, command: Document, name: string, moreToCome: boolean): Promise<void> | undefined {
    const startedAt = performance.now();
    const sequences = msg.sequences;
    const reply = (document: Document): void => {
      if (!moreToCome) this.#reply('msg', message, document);
    };
    const db: unknown = command['$db'];
    if (typeof db !== 'string' || db.length === 0) {
      reply({ ok: 0, errmsg: 'OP_MSG requests require a $db argument', code: 40571, codeName: 'Location40571' });
      return undefined;
    }
    const principalId = this.#principal!.id;
    const lsid = lsidKey(command['lsid']);
    if (lsid !== undefined && this.#operations && !this.#operations.claim(lsid, principalId)) {
      this.#log.warn({ principal: principalId, command: name }, 'command in another principal\'s logical session refused');
      reply(foreignSessionReply());
      return undefined;
    }
    let actions: Action[];
    let getMoreId: bigint | undefined;
    let cursorEntry: CursorEntry | undefined;
    let killIds: bigint[] = [];
    let changeStream = false;
    if (name === 'getMore') {
      getMoreId = cursorIdOf(command['getMore']);
      const entry = getMoreId === undefined ? undefined : this.#options.cursors.lookup(getMoreId, principalId);
      if (!entry || `${db}.${String(command['collection'])}` !== entry.namespace) {
        this.#log.warn({ principal: principalId }, 'getMore on a cursor this principal did not open refused');
        reply(foreignCursorReply());
        return undefined;
      }
      changeStream = entry.changeStream;
      cursorEntry = entry;
      actions = classifyMongoCommand(db, command).map((action) =>
        action.operation === 'getMore' ? { ...action, objects: entry.objects.map((object) => ({ ...object, access: 'read' as const })) } : action,
      );
    } else {
      if (name === 'killCursors') {
        const ids: unknown = command['cursors'];
        killIds = Array.isArray(ids) ? ids.map(cursorIdOf).filter((id): id is bigint => id !== undefined) : [];
        const owned = Array.isArray(ids) && killIds.length === ids.length && killIds.every((id) => this.#options.cursors.lookup(id, principalId));
        if (!owned) {
          reply(foreignCursorReply());
          return undefined;
        }
      }
      const decoded = new Map<string, Document[]>();
      // Inserted documents are data, not instructions: they are not decoded to classify the insert.
      for (const sequence of sequences) if (sequence.identifier !== 'documents') decoded.set(sequence.identifier, sequence.documents.map(decodeDocument));
      actions = classifyMongoCommand(db, command, decoded);
      if (name === 'aggregate' && Array.isArray(command['pipeline'])) {
        changeStream = (command['pipeline'] as unknown[]).some((stage) => typeof stage === 'object' && stage !== null && '$changeStream' in stage);
      }
    }
    const decided = this.#options.decider.decideActions(this.#identity(db), actions);
    const filtered = applyRowFilters(db, command, msg.body, sequences, decided);
    const outcome = filtered.outcome;
    this.#decided(db, actions, outcome);
    const refuse = (document: Document): void => {
      reply(document);
      this.#completed(db, outcome, startedAt, 'blocked');
    };
    const forward = (): void => {
      const obligation = outcome.decision.obligations.mask;
      const blocker = obligation ? maskingBlocker(name, command, obligation) : undefined;
      if (blocker) {
        refuse(maskingFailedReply(blocker));
        return;
      }
      if (name === 'killSessions') {
        reply(this.#killSessions(command['killSessions'], principalId));
        this.#completed(db, outcome, startedAt, 'ok');
        return;
      }
      const traceparent = command['comment'] === undefined && this.#takesComment(name) ? this.#traceContext(db, outcome) : undefined;
      this.#writeUpstream(forwardBytes(message, msg, { ...filtered.changes, ...(traceparent !== undefined ? { comment: traceparent } : {}) }));
      if (moreToCome) {
        // No reply will come (an unacknowledged write): done as far as the gateway can know. A
        // server that answers anyway (some MongoDB-compatible ones do) has its reply dropped.
        this.#expectNoReply(message.requestId);
        this.#completed(db, outcome, startedAt, 'ok');
        return;
      }
      if (lsid !== undefined) this.#operations?.started(lsid, this);
      // The client reuses a request id it once sent with moreToCome: this one does expect a reply.
      this.#unanswered.delete(message.requestId);
      const target: unknown = command[name];
      const namespace = name === 'getMore' ? `${db}.${String(command['collection'])}` : typeof target === 'string' ? `${db}.${target}` : `${db}.$cmd`;
      this.#pending.set(message.requestId, {
        command: name,
        namespace,
        outcome,
        masker: obligation ? new DocumentMasker(this.#options.masker, obligation) : undefined,
        changeStream,
        distinctKey: name === 'distinct' && typeof command['key'] === 'string' ? command['key'] : undefined,
        objects: actions.find((action) => action.operation === name)?.objects ?? [],
        getMoreId,
        killIds,
        lsid,
        db,
        startedAt,
        rowLimit: ROW_LIMITED_COMMANDS.has(name) ? stricterLimit(outcome.decision.obligations.rowLimit, cursorEntry?.rowLimit) : undefined,
        cursorEntry,
        valuesLimit: name === 'distinct' ? outcome.decision.obligations.rowLimit : undefined,
      });
    };
    return this.#gate(db, outcome, refuse, forward);
  }

  /**
   * Whether the server accepts a `comment` on this command: every command from MongoDB 4.4 (wire
   * 9); before that only the reads that always had one, and others would fail on the unknown field.
   */
  #takesComment(name: string): boolean {
    return this.#upstreamWireVersion >= 9 || name === 'find' || name === 'aggregate';
  }

  /** The traceparent to carry upstream as the command's `comment`; a tracer that fails gives none. */
  #traceContext(db: string, outcome: StatementOutcome): string | undefined {
    const hook = this.#options.hooks?.traceContext;
    if (!hook) return undefined;
    try {
      const traceparent = hook(this.#hookSession(db), outcome);
      return typeof traceparent === 'string' && traceparent.length > 0 ? traceparent : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The last word before a decided command is forwarded (approval holds, durable audit writes):
   * `forward` runs now or once the gate resolves; otherwise the client gets the native refusal.
   * A gate that fails refuses: nothing is forwarded on an error. While it waits, this connection's
   * later messages wait too (the dispatcher awaits the returned promise), so order is kept.
   */
  #gate(db: string, outcome: StatementOutcome, refuse: (document: Document) => void, forward: () => void): Promise<void> | undefined {
    const hooks = this.#options.hooks;
    const session = this.#hookSession(db);
    let result: GateResult | Promise<GateResult>;
    try {
      result = hooks?.gate ? hooks.gate(session, outcome) : decisionGate(outcome);
    } catch {
      result = GATE_FAILED;
    }
    const apply = (settled: GateResult): void => {
      hooks?.gateSettled?.(session, outcome, settled);
      if (this.#ended) return;
      if (settled.proceed) forward();
      else refuse(gateRefusalReply(settled, outcome.decision));
    };
    if (!(result instanceof Promise)) {
      apply(result);
      return undefined;
    }
    return result.catch(() => GATE_FAILED).then(apply);
  }

  #hookSession(db: string): HookSession {
    return { ...this.#identity(db), sessionId: this.id };
  }

  /**
   * killSessions is answered here: the server cannot tell principals' sessions apart (one gateway
   * user), so it is never forwarded. Each named lsid of this principal has its in-flight commands
   * interrupted, on whichever connection they run; other lsids are ignored, as mongod ignores
   * sessions it does not know. Server-side cursors of those sessions are left to time out.
   */
  #killSessions(list: unknown, principalId: string): Document {
    const operations = this.#operations;
    if (!Array.isArray(list)) return { ok: 0, errmsg: 'killSessions takes an array of session ids', code: 14, codeName: 'TypeMismatch' };
    let interrupted = 0;
    for (const item of list as unknown[]) {
      const key = lsidKey(item);
      if (key !== undefined && operations) interrupted += operations.interrupt(key, principalId);
    }
    this.#log.info({ principal: principalId, sessions: list.length, interrupted }, 'killSessions');
    return { ok: 1 };
  }

  /**
   * The client killed its logical session `lsid` while commands of it were in flight here. They are
   * answered with Interrupted at once, and the upstream connection they occupy is abandoned for a
   * fresh one (mongod ends the work of a client that disconnected; the session carries on).
   */
  interruptOperations(lsid: string): void {
    if (this.#ended || !this.#upstream || this.#reconnecting) return;
    const entries = [...this.#pending.entries()];
    if (!entries.some(([, pending]) => pending.lsid === lsid)) return;
    this.#log.info({ principal: this.#principal?.id, commands: entries.map(([, pending]) => pending.command) }, 'in-flight commands interrupted by killSessions');
    this.#pending.clear();
    // Replies to the gateway's own requests will not come on the new connection.
    this.#internal.clear();
    this.#unanswered.clear();
    for (const [requestId, pending] of entries) {
      if (pending.lsid !== undefined && pending.lsid !== lsid) this.#operations?.finished(pending.lsid, this);
      const reason = pending.lsid === lsid ? undefined : 'operation was interrupted: another command on this connection was killed (killSessions)';
      this.#writeClient(encodeReply('msg', requestId, interruptedReply(reason)));
      this.#completed(pending.db, pending.outcome, pending.startedAt, 'error', { errorCode: '11601', maskedValues: pending.masker?.maskedValues ?? 0 });
    }
    this.#replaceUpstream();
  }

  #replaceUpstream(): void {
    const old = this.#upstream!;
    this.#detachUpstream?.();
    this.#detachUpstream = undefined;
    old.destroy();
    this.#upstream = undefined;
    this.#upstreamReader = undefined;
    this.#reconnecting = true;
    this.#client?.pause();
    connectUpstream(this.#options.upstream).then(
      (upstream) => {
        if (this.#ended) {
          upstream.socket.destroy();
          return;
        }
        this.#reconnecting = false;
        this.#startRelay(upstream.socket, upstream.stream.detach(), upstream.stream.reader);
        if (!this.#busy) this.#client?.resume();
        this.#pump();
      },
      (error: unknown) => {
        this.#log.error({ err: errorSummary(error) }, 'upstream login failed after an interrupt');
        this.#end();
      },
    );
  }

  #onUpstreamData(chunk: Buffer): void {
    let messages: MongoMessage[];
    try {
      messages = this.#upstreamReader!.push(chunk);
    } catch (error) {
      this.#protocolViolation('upstream', error, undefined);
      return;
    }
    for (const message of messages) {
      if (this.#ended) return;
      try {
        this.#upstreamMessage(message);
      } catch (error) {
        this.#protocolViolation('upstream', error, undefined);
        return;
      }
    }
    if (this.#draining && this.#idle()) this.#shutdown();
  }

  #upstreamMessage(message: MongoMessage): void {
    if (this.#internal.delete(message.responseTo)) return;
    const pending = this.#pending.get(message.responseTo);
    if (!pending && this.#unanswered.delete(message.responseTo)) return;
    if (!pending) throw new Error(`upstream reply to request ${message.responseTo}, which is not awaiting one`);
    const msg = decodeOpMsg(message);
    if ((msg.flags & MsgFlag.MoreToCome) !== 0) throw new Error('upstream streamed a reply (moreToCome) although exhaust was never allowed');
    this.#pending.delete(message.responseTo);
    if (pending.lsid !== undefined) this.#operations?.finished(pending.lsid, this);
    const registry = this.#options.cursors;
    const limit = pending.rowLimit;
    let cursorRows: number | undefined;
    let cutAt: number | undefined;
    let body: Buffer[] | undefined;
    try {
      body = rewriteReplyParts(msg.body, {
        masker: pending.masker,
        namespace: pending.namespace,
        changeStream: pending.changeStream,
        distinctKey: pending.distinctKey,
        countRows: limit !== undefined || this.#options.hooks?.statementCompleted !== undefined,
        ...(pending.command === 'distinct' && pending.valuesLimit !== undefined
          ? {
              valuesLimit: pending.valuesLimit,
              onValuesCut: () => {
                cutAt = pending.valuesLimit;
              },
            }
          : {}),
        redactText: (text) => this.#options.masker.redactText(text, 'mongodb'),
        onCursor: (cursor: CursorSeen) => {
          const cut = this.#cursorSeen(cursor, pending);
          cursorRows = (cursorRows ?? 0) + (cut?.keep ?? cursor.count ?? 0);
          if (cut && limit !== undefined) cutAt = limit;
          return cut;
        },
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'MaskingError') {
        // Strict masking failed: the client gets an error, never the value; the cursor is not its to continue.
        this.#log.warn({ err: errorSummary(error) }, 'result withheld: masking failed');
        if (pending.getMoreId !== undefined) registry.forget(pending.getMoreId);
        this.#writeClient(encodeReply('msg', message.responseTo, maskingFailedReply()));
        this.#completed(pending.db, pending.outcome, pending.startedAt, 'blocked', { maskedValues: pending.masker?.maskedValues ?? 0 });
        return;
      }
      throw error;
    }
    for (const id of pending.killIds) registry.forget(id);
    if (cutAt !== undefined && body) {
      this.#log.info({ principal: this.#principal!.id, command: pending.command, rowLimit: cutAt, rules: pending.outcome.decision.rules }, 'result cut by row limit');
      body = withNotice(body, rowLimitNotice(cutAt, pending.outcome.decision.rules));
    }
    if (this.#options.hooks?.statementCompleted) {
      const summary = summarizeReply(msg.body, pending.command);
      const rows = cursorRows ?? (cutAt !== undefined && pending.command === 'distinct' ? cutAt : summary.rows);
      this.#completed(pending.db, pending.outcome, pending.startedAt, summary.result, {
        ...(rows !== undefined ? { rows } : {}),
        ...(summary.errorCode !== undefined ? { errorCode: summary.errorCode } : {}),
        maskedValues: pending.masker?.maskedValues ?? 0,
      });
    }
    if (!body) {
      this.#writeClient(message.raw);
      return;
    }
    if (msg.sequences.length > 0 || msg.checksumPresent) {
      const joined = Buffer.concat(body);
      this.#writeClient(
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
    this.#writeClientParts([head, ...body]);
  }



  /**
   * A cursor in a reply: registered to its principal when it opens, forgotten when it ends, and
   * held to the row limit across batches. Answers with a cut when the client must get fewer
   * documents; the server's cursor is then killed, as the client will never ask for the rest.
   */
  #cursorSeen(cursor: CursorSeen, pending: Pending): CursorCut | undefined {
    const registry = this.#options.cursors;
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
        owner: this.#principal!.id,
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

  /** Remembers a moreToCome request id (bounded), so a stray reply to it is dropped, not fatal. */
  #expectNoReply(requestId: number): void {
    if (this.#unanswered.size >= MAX_UNANSWERED) this.#unanswered.delete(this.#unanswered.values().next().value!);
    this.#unanswered.add(requestId);
  }

  /** killCursors sent by the gateway itself on this session's upstream connection; its reply is dropped. */
  #killUpstreamCursor(namespace: string, id: bigint): void {
    const dot = namespace.indexOf('.');
    if (dot < 0 || !this.#upstream) return;
    let requestId = newRequestId();
    while (this.#pending.has(requestId)) requestId = newRequestId();
    this.#internal.add(requestId);
    const body = encodeDocumentValue({ killCursors: namespace.slice(dot + 1), cursors: [Long.fromBigInt(id)], $db: namespace.slice(0, dot) });
    this.#writeUpstream(encodeOpMsg({ requestId, responseTo: 0, body }));
  }

  // ── plumbing ─────────────────────────────────────────────────────────────────────────────────

  #writeClient(bytes: Buffer): void {
    const client = this.#client;
    if (!client || this.#ended) return;
    if (!client.write(bytes) && this.#upstream && !this.#upstream.isPaused()) {
      const upstream = this.#upstream;
      upstream.pause();
      client.once('drain', () => upstream.resume());
    }
  }

  /** One message written as consecutive pieces, corked so they leave as one write. */
  #writeClientParts(parts: readonly Buffer[]): void {
    const client = this.#client;
    if (!client || this.#ended) return;
    client.cork();
    let ok = true;
    for (const part of parts) if (part.length > 0) ok = client.write(part) && ok;
    process.nextTick(() => client.uncork());
    if (!ok && this.#upstream && !this.#upstream.isPaused()) {
      const upstream = this.#upstream;
      upstream.pause();
      client.once('drain', () => upstream.resume());
    }
  }

  #writeUpstream(bytes: Buffer): void {
    const upstream = this.#upstream!;
    if (!upstream.write(bytes) && this.#client) {
      const client = this.#client;
      client.pause();
      upstream.once('drain', () => {
        if (!this.#busy) client.resume();
      });
    }
  }

  #idle(): boolean {
    return this.#pending.size === 0 && !this.#busy && !this.#reconnecting && this.#queue.length === 0;
  }

  #shutdown(): void {
    if (this.#ended) return;
    this.#client?.end(encodeReply('msg', 0, shuttingDownReply()));
    this.#end();
  }

  #closeClientSoon(): void {
    this.#client?.end();
    this.#end();
  }

  #protocolViolation(side: 'client' | 'upstream', error: unknown, request: MongoMessage | undefined): void {
    if (this.#ended) return;
    this.#log.warn({ side, err: errorSummary(error) }, 'protocol violation: session closed');
    const text = side === 'client' && error instanceof Error ? error.message : 'the upstream sent a malformed message';
    if (this.#client && !this.#client.writableEnded) {
      this.#client.end(encodeReply(request?.opCode === OpCode.Query ? 'query' : 'msg', request?.requestId ?? 0, protocolViolationReply(text)));
    }
    this.#end();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const pending of this.#pending.values()) if (pending.lsid !== undefined) this.#operations?.finished(pending.lsid, this);
    const client = this.#client;
    const upstream = this.#upstream;
    if (client && !client.writableEnded) client.end();
    if (upstream && !upstream.writableEnded) upstream.end();
    setTimeout(() => {
      client?.destroy();
      upstream?.destroy();
      this.#socket.destroy();
    }, 1_000).unref();
    if (!client) this.#socket.destroy();
    if (this.#principal) this.#options.hooks?.sessionEnded?.(this.#hookSession(SESSION_DATABASE), new Date());
    this.#log.info('session ended');
    this.#resolveClosed();
  }
}

/**
 * Commands whose cursors return documents of collections, which the row limit counts. Other
 * replies with a cursor (bulkWrite's per-operation results, listCollections) are not rows.
 */
const ROW_LIMITED_COMMANDS = new Set(['find', 'aggregate', 'getMore']);

/** moreToCome request ids remembered per connection in case a non-conforming server replies. */
const MAX_UNANSWERED = 1_024;

/** A MongoDB connection has no one database (each command names its own): sessions are reported under this one. */
const SESSION_DATABASE = 'admin';

const GATE_FAILED: GateResult = {
  proceed: false,
  reason: 'audit-unavailable',
  message: 'the command could not be recorded or approved, so it was not run; try again',
};

/** The user a refused SASL PLAIN attempt claimed (authzid or authcid), for the audit trail; never the token. */
function claimedUserOf(command: Document): string {
  const payload: unknown = command['payload'];
  if (command['mechanism'] !== 'PLAIN' || !(payload instanceof Uint8Array)) return '?';
  const parts = Buffer.from(payload).toString('utf8').split('\0');
  return (parts[1] || parts[0] || '?').slice(0, 128);
}

