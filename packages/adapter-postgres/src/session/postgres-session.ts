import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { Decision, Masker, Principal, Session, SessionContext } from '@gatehouse/core';
import { GatehouseError } from '@gatehouse/core';
import type { CompletedStatement, GateResult, HookSession, Logger, SessionAttempt, SessionHooks, SqlStatementDecider } from '@gatehouse/proxy';
import { decisionGate, errorSummary } from '@gatehouse/proxy';
import { encodeAuthenticationOk } from '../protocol/messages/authentication.js';
import { encodeBackendKeyData, encodeReadyForQuery } from '../protocol/messages/session.js';
import type { FrontendReader } from '../protocol/frontend-reader.js';
import type { BackendReader } from '../protocol/backend-reader.js';
import type { CancelRegistry, GatewayBackendKey } from './cancel-registry.js';
import type { CatalogLookup } from './catalog.js';
import { clientHandshake, HandshakeRefusedError } from './client-handshake.js';
import type { ClientHello } from './client-handshake.js';
import {
  approvalRefusedError,
  approvalTicketError,
  authenticationFailedError,
  gateFailedError,
  protocolViolationError,
  queryCanceledError,
  refusalError,
  unknownDatabaseError,
  upstreamUnavailableError,
} from './native-errors.js';
import type { CompletedRequest, GateVerdict } from './relay.js';
import { pinnedSettingViolation } from './pinned-settings.js';
import { Relay } from './relay.js';
import { BackendCode } from '../protocol/codes.js';
import { decodeParameterStatus } from '../protocol/messages/session.js';
import { connectUpstream, sendUpstreamCancel, UpstreamLoginError } from './upstream-login.js';
import type { PostgresUpstreamSettings, UpstreamConnection } from './upstream-login.js';

/** Everything one PostgreSQL listener needs, shared by its sessions. */
export interface PostgresListenerOptions {
  readonly secureContext: SecureContext;
  /** Accept plaintext from loopback clients (development); TLS is otherwise required. */
  readonly allowPlaintextOnLoopback: boolean;
  readonly upstream: PostgresUpstreamSettings;
  authenticate(request: { user: string; credential: string; clientAddress: string }): Promise<Principal>;
  readonly decider: SqlStatementDecider;
  readonly masker: Masker;
  readonly catalog: CatalogLookup;
  readonly cancelRegistry: CancelRegistry;
  readonly logger: Logger;
  readonly maxMessageBytes?: number;
  readonly handshakeTimeoutMs?: number;
  /** Audit, approvals and telemetry: the dialect-neutral extension points. */
  readonly hooks?: SessionHooks;
}

/**
 * One client connection, top to bottom: handshake → identity → upstream login → relay. Any
 * failure ends this session only, with the native error the client expects.
 */
export class PostgresSession implements Session {
  readonly id: string;
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #context: SessionContext;
  readonly #options: PostgresListenerOptions;
  readonly #log: Logger;
  #relay: Relay | undefined;
  #draining = false;

  constructor(socket: Socket, context: SessionContext, options: PostgresListenerOptions) {
    this.id = context.sessionId;
    this.#socket = socket;
    this.#context = context;
    this.#options = options;
    this.#log = options.logger.child({ sessionId: context.sessionId, connection: context.connection });
    this.closed = this.#run().catch((error: unknown) => {
      this.#log.error({ err: errorSummary(error) }, 'session failed');
      socket.destroy();
    });
  }

  drain(): void {
    this.#draining = true;
    if (this.#relay) this.#relay.drain();
    else this.#socket.destroy();
  }

  close(reason: string): void {
    if (this.#relay) this.#relay.close(reason);
    else this.#socket.destroy();
  }

  async #run(): Promise<void> {
    const options = this.#options;
    let hello;
    try {
      hello = await clientHandshake(this.#socket, this.#context.clientAddress, {
        secureContext: options.secureContext,
        allowPlaintextOnLoopback: options.allowPlaintextOnLoopback,
        ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
        ...(options.handshakeTimeoutMs ? { timeoutMs: options.handshakeTimeoutMs } : {}),
      });
    } catch (error) {
      this.#refuseHandshake(error);
      return;
    }
    if (hello.kind === 'cancel') {
      await this.#forwardCancel(hello.processId, hello.secretKey);
      return;
    }
    if (this.#draining) {
      hello.socket.destroy();
      return;
    }
    const principal = await this.#authenticate(hello);
    if (!principal) return;
    const upstream = await this.#connectUpstream(hello);
    if (!upstream) return;
    await this.#relayUntilClosed(hello, principal, upstream);
  }

  #refuseHandshake(error: unknown): void {
    if (error instanceof HandshakeRefusedError) {
      this.#log.info({ reason: error.message }, 'connection refused during handshake');
    } else if (error instanceof GatehouseError && error.code.startsWith('PG_')) {
      this.#log.warn({ err: errorSummary(error) }, 'client protocol violation during handshake');
      this.#socket.end(protocolViolationError(error.message));
    } else {
      this.#log.info({ err: errorSummary(error) }, 'client left during handshake');
    }
    this.#socket.destroy();
  }

  async #forwardCancel(processId: number, secretKey: Buffer): Promise<void> {
    this.#socket.destroy();
    const target = this.#options.cancelRegistry.lookup(processId, secretKey);
    if (!target) {
      this.#log.info('cancel request with an unknown key ignored');
      return;
    }
    // A statement held at the gateway (approval) is not upstream yet: the gateway cancels it.
    target.onCancel?.();
    await sendUpstreamCancel(this.#options.upstream, target.processId, target.secretKey).catch((error: unknown) =>
      this.#log.warn({ err: errorSummary(error) }, 'cancel could not be forwarded'),
    );
  }

  /** Who is connecting, before there is an identity: what the authentication and upstream hooks see. */
  #attempt(): SessionAttempt {
    const context = this.#context;
    return { sessionId: this.id, connection: context.connection, environment: context.environment, dialect: 'postgres', clientAddress: context.clientAddress };
  }

  async #authenticate(hello: ClientHello): Promise<Principal | undefined> {
    const served = this.#options.upstream.database;
    // libpq defaults the database to the user name, so that is accepted as "the default" too.
    if (hello.database && ![served, this.#context.connection, hello.user].includes(hello.database)) {
      hello.socket.end(unknownDatabaseError(hello.database, served));
      return undefined;
    }
    const hooks = this.#options.hooks;
    const startedAt = new Date();
    const started = performance.now();
    try {
      const principal = await this.#options.authenticate({ user: hello.user, credential: hello.token, clientAddress: this.#context.clientAddress });
      hooks?.authenticated?.(this.#attempt(), { ok: true, startedAt, durationMs: performance.now() - started, principal });
      this.#log.info(
        { principal: principal.id, kind: principal.kind, via: principal.via, client: this.#context.clientAddress, application: hello.applicationName, tls: hello.tls },
        'session authenticated',
      );
      return principal;
    } catch (error) {
      const message = error instanceof GatehouseError ? error.message : 'authentication failed';
      const errorType = error instanceof GatehouseError ? error.code : 'error';
      hooks?.authenticated?.(this.#attempt(), { ok: false, startedAt, durationMs: performance.now() - started, errorType });
      this.#log.warn({ user: hello.user, client: this.#context.clientAddress, err: errorSummary(error) }, 'authentication refused');
      // Recorded (durably, when the audit trail is wired) before the client hears the refusal.
      await Promise.resolve(
        hooks?.authenticationRefused?.(this.#attempt(), {
          claimedUser: hello.user,
          reason: errorType,
          tls: hello.tls,
          authMethod: hello.tls ? 'cleartext-in-tls' : 'cleartext',
          ...(hello.applicationName ? { applicationName: hello.applicationName } : {}),
        }),
      ).catch((failure: unknown) => this.#log.error({ err: errorSummary(failure) }, 'authentication refusal could not be recorded'));
      hello.socket.end(authenticationFailedError(message));
      return undefined;
    }
  }

  async #connectUpstream(hello: ClientHello): Promise<UpstreamConnection | undefined> {
    const settings = this.#options.upstream;
    const startedAt = new Date();
    const started = performance.now();
    const report = (errorType?: string): void =>
      this.#options.hooks?.upstreamConnected?.(this.#attempt(), {
        ok: errorType === undefined,
        startedAt,
        durationMs: performance.now() - started,
        serverAddress: settings.host,
        serverPort: settings.port,
        ...(errorType !== undefined ? { errorType } : {}),
      });
    try {
      const upstream = await connectUpstream(this.#options.upstream, hello.forwardedParameters);
      for (const frame of upstream.startupFrames) {
        if (frame.code !== BackendCode.ParameterStatus) continue;
        const { name, value } = decodeParameterStatus(frame);
        const violation = pinnedSettingViolation(name, value);
        if (violation) {
          upstream.socket.destroy();
          throw new UpstreamLoginError(`upstream session is unsafe to relay: ${violation}`);
        }
      }
      report();
      return upstream;
    } catch (error) {
      const details = error instanceof UpstreamLoginError ? { sqlState: error.sqlState } : {};
      report(upstreamErrorType(error));
      this.#log.error({ err: errorSummary(error), ...details }, 'upstream login failed');
      hello.socket.end(upstreamUnavailableError());
      return undefined;
    }
  }

  async #relayUntilClosed(hello: ClientHello, principal: Principal, upstream: UpstreamConnection): Promise<void> {
    const options = this.#options;
    const client = hello.socket;
    let gatewayKey: GatewayBackendKey | undefined;
    // The gate in progress (an approval hold) and how to cancel it: a CancelRequest aborts it.
    let holding: AbortController | undefined;
    if (upstream.backendKey) gatewayKey = options.cancelRegistry.register({ ...upstream.backendKey, onCancel: () => holding?.abort() });

    client.write(encodeAuthenticationOk());
    for (const frame of upstream.startupFrames) client.write(frame.raw);
    if (gatewayKey) client.write(encodeBackendKeyData(gatewayKey.processId, gatewayKey.secretKey));
    client.write(encodeReadyForQuery(upstream.transactionStatus));

    const searchPath = hello.forwardedParameters.get('search_path')?.split(',')[0]?.trim().replace(/^"|"$/g, '');
    const identity: HookSession = {
      sessionId: this.id,
      principal,
      target: {
        connection: this.#context.connection,
        environment: this.#context.environment,
        dialect: 'postgres',
        database: options.upstream.database,
        ...(searchPath ? { schema: searchPath } : {}),
      },
      clientAddress: this.#context.clientAddress,
    };
    const log = this.#log;
    const hooks = options.hooks;
    const relay = new Relay(
      {
        client,
        clientReader: hello.stream.reader as FrontendReader,
        upstream: upstream.socket,
        upstreamReader: upstream.stream.reader as BackendReader,
        upstreamReads: upstream.reads,
        transactionStatus: upstream.transactionStatus,
      },
      {
        decide: (text) => options.decider.decide(identity, text),
        decideActions: (actions) => options.decider.decideActions(identity, actions),
        masker: options.masker,
        catalog: options.catalog,
        database: options.upstream.database,
        redactText: (text) => options.masker.redactText(text, 'postgres'),
        cancelUpstream: () => {
          if (upstream.backendKey) {
            void sendUpstreamCancel(options.upstream, upstream.backendKey.processId, upstream.backendKey.secretKey).catch(() => undefined);
          }
        },
        onStatement: (outcome) => {
          hooks?.statementDecided?.(identity, outcome);
          const { actions, decision } = outcome;
          const level = decision.effect === 'allow' ? 'debug' : 'info';
          // Checked first: this runs for every statement, and building the record costs more than the check.
          if (!log.isLevelEnabled(level)) return;
          log[level](
            {
              principal: principal.id,
              effect: decision.effect,
              rules: decision.rules,
              risk: decision.risk.score,
              statements: actions.map((action) => action.redactedText),
            },
            'statement decided',
          );
        },
        ...(hooks?.traceContext ? { traceContext: (outcome) => hooks.traceContext!(identity, outcome) } : {}),
        onProtocolError: (side, error) => log.warn({ side, err: errorSummary(error) }, 'protocol violation: session closed'),
        gate: (outcome) => {
          // Only a `review` can be held for long (an approval wait) and only that wait watches the
          // signal; other gates answer within a write. An AbortController per statement would cost
          // more than the decision, so the others get none (a cancel then finds nothing to abort).
          const control = hooks?.gate && outcome.decision.effect === 'review' ? new AbortController() : undefined;
          holding = control;
          const result = hooks?.gate ? hooks.gate(identity, outcome, control?.signal) : decisionGate(outcome);
          const settled = hooks?.gateSettled
            ? (answer: GateResult): GateResult => {
                hooks.gateSettled!(identity, outcome, answer);
                return answer;
              }
            : undefined;
          if (!(result instanceof Promise)) return verdictOf(settled ? settled(result) : result, outcome);
          return result.then(
            (answer) => (control?.signal.aborted && !answer.proceed ? { forward: false, refusal: queryCanceledError() } : verdictOf(settled ? settled(answer) : answer, outcome)),
            (error: unknown) => {
              // Refused by the relay (gateFailedError); observers see it as the failed gate it is.
              settled?.({ proceed: false, reason: 'audit-unavailable', message: 'gate failed' });
              throw error;
            },
          );
        },
        ...(hooks?.statementCompleted ? { onCompleted: (request) => hooks.statementCompleted!(identity, completedStatement(request)) } : {}),
      },
    );
    hooks?.sessionStarted?.({
      ...identity,
      ...(hello.applicationName ? { applicationName: hello.applicationName } : {}),
      tls: hello.tls,
      startedAt: new Date(),
    });
    this.#relay = relay;
    relay.start(hello.stream.detach(), upstream.stream.detach());
    if (this.#draining) relay.drain();
    await relay.closed;
    hooks?.sessionEnded?.(identity, new Date(), { clientBytesIn: this.#socket.bytesRead, clientBytesOut: this.#socket.bytesWritten });
    if (gatewayKey) options.cancelRegistry.unregister(gatewayKey);
    log.info('session ended');
  }
}

/** A low-cardinality reason an upstream login failed: SQLSTATE, errno code, or the error's class. */
function upstreamErrorType(error: unknown): string {
  if (error instanceof UpstreamLoginError && error.sqlState) return error.sqlState;
  const errno = (error instanceof GatehouseError ? error.cause : error) as NodeJS.ErrnoException | undefined;
  if (typeof errno?.code === 'string') return errno.code;
  return error instanceof GatehouseError ? error.code : 'error';
}

/**
 * A finished request as the hooks see it (SQLSTATE as errorCode), built field by field: this runs
 * for every statement when a hook listens, and an object rest plus spreads cost ~10x as much.
 */
function completedStatement(request: CompletedRequest): CompletedStatement {
  const completed: { -readonly [K in keyof CompletedStatement]: CompletedStatement[K] } = {
    outcome: request.outcome,
    result: request.result,
    durationMs: request.durationMs,
    maskedValues: request.maskedValues,
  };
  if (request.rows !== undefined) completed.rows = request.rows;
  if (request.sqlState) completed.errorCode = request.sqlState;
  return completed;
}

const FORWARD: GateVerdict = { forward: true };

/** A gate's neutral answer as this dialect's verdict: refusals become PostgreSQL errors. */
function verdictOf(result: GateResult, outcome: { readonly decision: Decision }): GateVerdict {
  if (result.proceed) return FORWARD;
  switch (result.reason) {
    case 'audit-unavailable':
      return { forward: false, refusal: gateFailedError() };
    case 'approval-denied':
    case 'approval-expired':
      return { forward: false, refusal: approvalRefusedError(outcome.decision, result.reason, result.message) };
    case 'approval-required':
      // A ticket: the message carries the request id and how to get it approved.
      return { forward: false, refusal: result.approvalId !== undefined ? approvalTicketError(outcome.decision, result.message) : refusalError(outcome.decision) };
    default:
      return { forward: false, refusal: refusalError(outcome.decision) };
  }
}
