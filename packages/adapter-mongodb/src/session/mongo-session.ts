import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SecureContext } from 'node:tls';
import type { Document } from 'bson';
import type { Action, Masker, ObjectRef, Principal, Session, SessionContext } from '@gatehouse/core';
import type { GateResult, Logger, SessionHooks, SqlStatementDecider, StatementOutcome } from '@gatehouse/proxy';
import { errorSummary } from '@gatehouse/proxy';
import type { CommandClassifications } from '../classify/classification-cache.js';
import { numberOf } from '../classify/values.js';
import { decodeDocument } from '../protocol/bson-codec.js';
import type { MongoMessage } from '../protocol/message.js';
import { CLIENT_OPCODES, MessageReader } from '../protocol/message-reader.js';
import { MsgFlag, decodeOpMsg } from '../protocol/op-msg.js';
import type { OpMsg } from '../protocol/op-msg.js';
import { decodeOpQuery } from '../protocol/op-query.js';
import { rawElements } from '../protocol/raw-bson.js';
import { DEFAULT_MAX_MESSAGE_BYTES, OpCode } from '../protocol/opcodes.js';
import { authenticateSaslStart, claimedUserOf } from './client-auth.js';
import { gateVerdict } from './command-gate.js';
import { commandNamespace, commandScope, takesComment, targetNamespace } from './command-scope.js';
import { ClientCommand, commandNameOf } from './client-command.js';
import type { CommandScope } from './command-scope.js';
import type { CursorRegistry } from './cursor-registry.js';
import { DocumentMasker } from './document-masking.js';
import { forwardBytes } from './forward-message.js';
import type { ForwardChanges } from './forward-message.js';
import { HELLO_COMMANDS, clientMetadataOf, helloReply } from './hello.js';
import type { ClientMetadata } from './hello.js';
import { answerKillSessions } from './kill-sessions.js';
import { maskingBlocker } from './masking-scope.js';
import {
  authenticationFailedReply,
  foreignCursorReply,
  gateRefusalReply,
  foreignSessionReply,
  interruptedReply,
  maskingFailedReply,
  opQueryUnsupportedReply,
  protocolViolationReply,
  shuttingDownReply,
  tlsRequiredReply,
  unauthenticatedReply,
  upstreamUnavailableReply,
} from './native-errors.js';
import type { InterruptibleSession, OperationRegistry } from './operation-registry.js';
import { encodeReply } from './replies.js';
import type { RequestKind } from './replies.js';
import { ReplyRelay } from './reply-relay.js';
import { applyRowFilters } from './row-filter-step.js';
import { stricterLimit } from './row-limit.js';
import { SESSION_DATABASE, SessionReporter } from './session-reporter.js';
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
  /** Actions of command shapes seen before; createMongoAdapter supplies one shared by the listener. */
  readonly classifications?: CommandClassifications;
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

const ignore = (): void => undefined;

let connectionCounter = 0;

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
  /** Plaintext is allowed for this client (loopback, and the listener allows it): fixed for the connection. */
  readonly #plaintextOk: boolean;

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
  /** The reply path: which requests await a reply, and what each reply becomes for the client. */
  readonly #replies: ReplyRelay;
  /** Identity for the decider and the hooks; statementCompleted and trace context. */
  readonly #reporter: SessionReporter;
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
    this.#plaintextOk = options.allowPlaintextOnLoopback && isLoopback(context.clientAddress);
    this.#clientReader = new MessageReader({ accept: CLIENT_OPCODES, peer: 'client', maxMessageBytes: this.#maxMessageBytes });
    this.#log = options.logger.child({ sessionId: context.sessionId, connection: context.connection });
    this.#reporter = new SessionReporter({ sessionId: this.id, context, hooks: options.hooks, log: this.#log, principal: () => this.#principal! });
    const reporter = this.#reporter;
    this.#replies = new ReplyRelay({
      cursors: options.cursors,
      log: this.#log,
      reportsCompletion: reporter.reportsCompletion,
      principalId: () => this.#principal!.id,
      redactText: (text) => options.masker.redactText(text, 'mongodb'),
      writeClient: (bytes) => this.#writeClient(bytes),
      writeClientParts: (parts) => this.#writeClientParts(parts),
      upstreamOpen: () => this.#upstream !== undefined,
      writeUpstream: (bytes) => this.#writeUpstream(bytes),
      finished: (lsid) => this.#operations?.finished(lsid, this),
      completed: (db, outcome, startedAt, result, details) => reporter.completed(db, outcome, startedAt, result, details),
    });
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
    return this.#plaintextOk;
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
    if (!this.#tls && !this.#plaintextOk) {
      // Answer in the form the client used, then close: it must reconnect with TLS.
      this.#reply(message.opCode === OpCode.Query ? 'query' : 'msg', message, tlsRequiredReply());
      this.#log.info({ client: this.#context.clientAddress }, 'plaintext connection refused');
      this.#closeClientSoon();
      return undefined;
    }
    if (message.opCode === OpCode.Query) return this.#opQuery(message);
    const msg = decodeOpMsg(message);
    const moreToCome = (msg.flags & MsgFlag.MoreToCome) !== 0;
    if (this.#principal && this.#upstream) {
      const elements = rawElements(msg.body);
      const name = commandNameOf(elements);
      if (!IDENTITY_COMMANDS.has(name) && !HELLO_COMMANDS.has(name) && name !== 'saslStart' && name !== 'saslContinue') {
        // Checked (or decoded) here, before anything else happens to it.
        return this.#relayCommand(message, msg, new ClientCommand(name, msg.body, elements, msg.sequences), moreToCome);
      }
    }
    const command = decodeDocument(msg.body);
    const name = Object.keys(command)[0] ?? '';
    const reply = (document: Document): void => this.#answer(message, moreToCome, document);
    if (HELLO_COMMANDS.has(name)) return this.#hello(command, name, reply);
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
    reply(authenticationFailedReply(`${name} is not available through the gateway; reconnect to change identity`));
    return undefined;
  }

  /** The reply to an OP_MSG request, unless it was sent with moreToCome (the client wants none). */
  #answer(request: MongoMessage, moreToCome: boolean, document: Document): void {
    if (!moreToCome) this.#reply('msg', request, document);
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
      ...this.#reporter.hookSession(SESSION_DATABASE),
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

  /**
   * A command of an authenticated client: scoped (cursor ownership, actions), decided, row-filtered,
   * gated, then forwarded with its reply awaited by the reply path, or refused in the native form.
   * Without a gate that waits, all of it runs in this call: no promise hop or deferral between the
   * request's last byte arriving and its first byte leaving upstream.
   */
  #relayCommand(message: MongoMessage, msg: OpMsg, command: ClientCommand, moreToCome: boolean): Promise<void> | undefined {
    const reporter = this.#reporter;
    // Only statementCompleted reads the start (for its duration).
    const startedAt = reporter.reportsCompletion ? performance.now() : 0;
    const name = command.name;
    const db = command.db;
    if (db === undefined || db.length === 0) {
      this.#answer(message, moreToCome, { ok: 0, errmsg: 'OP_MSG requests require a $db argument', code: 40571, codeName: 'Location40571' });
      return undefined;
    }
    const principalId = this.#principal!.id;
    const lsid = command.lsid;
    if (lsid !== undefined && this.#operations && !this.#operations.claim(lsid, principalId)) {
      this.#log.warn({ principal: principalId, command: name }, 'command in another principal\'s logical session refused');
      this.#answer(message, moreToCome, foreignSessionReply());
      return undefined;
    }
    const classifications = this.#options.classifications;
    const scope =
      command.shapeKey !== undefined && classifications
        ? shapeScope(classifications.classify(db, command.shapeKey, command))
        : commandScope(db, name, command.document, msg.sequences, principalId, this.#options.cursors);
    if ('foreignCursor' in scope) {
      if (scope.foreignCursor === 'getMore') this.#log.warn({ principal: principalId }, 'getMore on a cursor this principal did not open refused');
      this.#answer(message, moreToCome, foreignCursorReply());
      return undefined;
    }
    const decided = this.#options.decider.decideActions(reporter.identity(db), scope.actions);
    const rowFilters = decided.decision.obligations.rowFilters;
    // Without row filters there is nothing to rewrite, and the command need not be decoded for it.
    const filtered = rowFilters && rowFilters.length > 0 ? applyRowFilters(db, command.document, msg.body, msg.sequences, decided) : { outcome: decided };
    const outcome = filtered.outcome;
    reporter.decided(db, scope.actions, outcome);
    const request: DecidedCommand = { message, msg, command, name, moreToCome, db, lsid, scope, outcome, changes: filtered.changes, startedAt };
    const verdict = gateVerdict(this.#options.hooks, reporter.hookSession(db), outcome);
    if (!(verdict instanceof Promise)) {
      this.#settle(request, verdict);
      return undefined;
    }
    return verdict.then((settled) => this.#settle(request, settled));
  }

  /** The gate has spoken: forward, or refuse in the native form (nothing runs once the session ended). */
  #settle(request: DecidedCommand, settled: GateResult): void {
    this.#options.hooks?.gateSettled?.(this.#reporter.hookSession(request.db), request.outcome, settled);
    if (this.#ended) return;
    if (settled.proceed) this.#forward(request);
    else this.#refuse(request, gateRefusalReply(settled, request.outcome.decision));
  }

  #refuse(request: DecidedCommand, document: Document): void {
    this.#answer(request.message, request.moreToCome, document);
    this.#reporter.completed(request.db, request.outcome, request.startedAt, 'blocked');
  }

  #forward(request: DecidedCommand): void {
    const { message, msg, command, name, moreToCome, db, lsid, scope, outcome, startedAt } = request;
    const reporter = this.#reporter;
    const obligation = outcome.decision.obligations.mask;
    const blocker = obligation ? maskingBlocker(name, command.document, obligation) : undefined;
    if (blocker) {
      this.#refuse(request, maskingFailedReply(blocker));
      return;
    }
    if (name === 'killSessions') {
      this.#answer(message, moreToCome, answerKillSessions(command.document['killSessions'], this.#principal!.id, this.#operations, this.#log));
      reporter.completed(db, outcome, startedAt, 'ok');
      return;
    }
    const traceparent =
      reporter.tracesCommands && !command.hasComment && takesComment(this.#upstreamWireVersion, name) ? reporter.traceContext(db, outcome) : undefined;
    const changes: ForwardChanges = traceparent === undefined ? (request.changes ?? NO_CHANGES) : { ...request.changes, comment: traceparent };
    this.#writeUpstream(forwardBytes(message, msg, changes));
    if (moreToCome) {
      // No reply will come (an unacknowledged write): done as far as the gateway can know. A
      // server that answers anyway (some MongoDB-compatible ones do) has its reply dropped.
      this.#replies.expectNoReply(message.requestId);
      reporter.completed(db, outcome, startedAt, 'ok');
      return;
    }
    if (lsid !== undefined) this.#operations?.started(lsid, this);
    this.#replies.expectReply(message.requestId, {
      command: name,
      namespace: name === 'getMore' ? commandNamespace(db, name, command.document) : targetNamespace(db, command.target),
      outcome,
      masker: obligation ? new DocumentMasker(this.#options.masker, obligation) : undefined,
      changeStream: scope.changeStream,
      distinctKey: name === 'distinct' ? distinctKeyOf(command.document) : undefined,
      objects: objectsOf(scope, name),
      getMoreId: scope.getMoreId,
      killIds: scope.killIds,
      lsid,
      db,
      startedAt,
      rowLimit: ROW_LIMITED_COMMANDS.has(name) ? stricterLimit(outcome.decision.obligations.rowLimit, scope.cursorEntry?.rowLimit) : undefined,
      cursorEntry: scope.cursorEntry,
      valuesLimit: name === 'distinct' ? outcome.decision.obligations.rowLimit : undefined,
    });
  }

  /**
   * The client killed its logical session `lsid` while commands of it were in flight here. They are
   * answered with Interrupted at once, and the upstream connection they occupy is abandoned for a
   * fresh one (mongod ends the work of a client that disconnected; the session carries on).
   */
  interruptOperations(lsid: string): void {
    if (this.#ended || !this.#upstream || this.#reconnecting) return;
    const entries = this.#replies.pendingCommands();
    if (!entries.some(([, pending]) => pending.lsid === lsid)) return;
    this.#log.info({ principal: this.#principal?.id, commands: entries.map(([, pending]) => pending.command) }, 'in-flight commands interrupted by killSessions');
    // No reply to anything sent on the abandoned connection (the gateway's own requests too) will come on the new one.
    this.#replies.forgetAll();
    for (const [requestId, pending] of entries) {
      if (pending.lsid !== undefined && pending.lsid !== lsid) this.#operations?.finished(pending.lsid, this);
      const reason = pending.lsid === lsid ? undefined : 'operation was interrupted: another command on this connection was killed (killSessions)';
      this.#writeClient(encodeReply('msg', requestId, interruptedReply(reason)));
      this.#reporter.completed(pending.db, pending.outcome, pending.startedAt, 'error', { errorCode: '11601', maskedValues: pending.masker?.maskedValues ?? 0 });
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
        this.#replies.handle(message);
      } catch (error) {
        this.#protocolViolation('upstream', error, undefined);
        return;
      }
    }
    if (this.#draining && this.#idle()) this.#shutdown();
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
    return this.#replies.awaiting === 0 && !this.#busy && !this.#reconnecting && this.#queue.length === 0;
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
    for (const [, pending] of this.#replies.pendingCommands()) if (pending.lsid !== undefined) this.#operations?.finished(pending.lsid, this);
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
    if (this.#principal) this.#options.hooks?.sessionEnded?.(this.#reporter.hookSession(SESSION_DATABASE), new Date());
    this.#log.info('session ended');
    this.#resolveClosed();
  }
}

/** A client's command once decided and row-filtered, on its way through the gate. */
interface DecidedCommand {
  readonly message: MongoMessage;
  readonly msg: OpMsg;
  readonly command: ClientCommand;
  readonly name: string;
  /** Sent with moreToCome: the client expects no reply. */
  readonly moreToCome: boolean;
  readonly db: string;
  readonly lsid: string | undefined;
  readonly scope: CommandScope;
  readonly outcome: StatementOutcome;
  /** What the row filters changed in the command (absent: the client's bytes go as they are). */
  readonly changes: ForwardChanges | undefined;
  /** performance.now() when the command arrived. */
  readonly startedAt: number;
}

const NO_CHANGES: ForwardChanges = Object.freeze({});

/** What a command served by the classification cache is about: its actions; no cursor of its own to check. */
function shapeScope(actions: readonly Action[]): CommandScope {
  return { actions, getMoreId: undefined, cursorEntry: undefined, killIds: NO_CURSORS, changeStream: false };
}

const NO_CURSORS: readonly bigint[] = Object.freeze([]);

function distinctKeyOf(command: Document): string | undefined {
  const key: unknown = command['key'];
  return typeof key === 'string' ? key : undefined;
}

/** The objects of the command's own action (not a transaction's), for the cursor it may open. */
function objectsOf(scope: CommandScope, name: string): readonly ObjectRef[] {
  for (const action of scope.actions) if (action.operation === name) return action.objects;
  return [];
}

/**
 * Commands whose cursors return documents of collections, which the row limit counts. Other
 * replies with a cursor (bulkWrite's per-operation results, listCollections) are not rows.
 */
const ROW_LIMITED_COMMANDS = new Set(['find', 'aggregate', 'getMore']);
