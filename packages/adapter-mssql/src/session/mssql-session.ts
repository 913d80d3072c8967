import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Masker, Principal, Session, SessionContext } from '@gatehouse/core';
import { GatehouseError } from '@gatehouse/core';
import type { GateResult, HookSession, Logger, SessionAttempt, SessionHooks, SqlStatementDecider, StatementOutcome } from '@gatehouse/proxy';
import { decisionGate, errorSummary } from '@gatehouse/proxy';
import { encodeMessage, PacketType } from '../protocol/packet.js';
import { claimedUser } from './claimed-user.js';
import { clientHandshake, HandshakeRefusedError } from './client-handshake.js';
import type { ClientHello } from './client-handshake.js';
import { composeClientLoginResponse } from './login-response.js';
import { databaseRefusedTokens, gatewayFailureTokens, loginFailedTokens } from './native-errors.js';
import { Relay } from './relay.js';
import { loginUpstream, UpstreamLoginError } from './upstream-login.js';
import type { MssqlUpstreamConnection, MssqlUpstreamSettings } from './upstream-login.js';

/** Everything one SQL Server listener needs, shared by its sessions. */
export interface MssqlListenerOptions {
  /** The gateway's certificate (PEM); without one only loopback plaintext clients can connect, and only when allowed. */
  readonly certificate: { readonly key: string | Buffer; readonly cert: string | Buffer } | undefined;
  /** Accept clients that cannot encrypt from loopback (development); the token then travels in clear. */
  readonly allowPlaintextOnLoopback: boolean;
  readonly upstream: MssqlUpstreamSettings;
  authenticate(request: { user: string; credential: string; clientAddress: string }): Promise<Principal>;
  readonly decider: SqlStatementDecider;
  readonly masker: Masker;
  readonly logger: Logger;
  /** Audit, approvals and telemetry: the dialect-neutral extension points. */
  readonly hooks?: SessionHooks;
  readonly handshakeTimeoutMs?: number;
  /** Cap on one client request message (SQLBatch, RPC); default 64 MiB. */
  readonly maxMessageBytes?: number;
}

/**
 * One client connection, top to bottom: PRELOGIN/TLS/LOGIN7 → identity → the gateway's own login
 * upstream (routing followed there) → the login response → relay. Any failure ends this session
 * only, with the error a SQL Server client expects (18456 for a refused login).
 */
export class MssqlSession implements Session {
  readonly id: string;
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #context: SessionContext;
  readonly #options: MssqlListenerOptions;
  readonly #log: Logger;
  #relay: Relay | undefined;
  #draining = false;

  constructor(socket: Socket, context: SessionContext, options: MssqlListenerOptions) {
    this.id = context.sessionId;
    this.#socket = socket;
    this.#context = context;
    this.#options = options;
    this.#log = options.logger.child({ sessionId: context.sessionId, connection: context.connection });
    socket.on('error', () => undefined); // reported through the phase that was reading
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
    let hello: ClientHello;
    try {
      hello = await clientHandshake(this.#socket, this.#context.clientAddress, {
        certificate: options.certificate,
        allowPlaintextOnLoopback: options.allowPlaintextOnLoopback,
        ...(options.handshakeTimeoutMs ? { timeoutMs: options.handshakeTimeoutMs } : {}),
      });
    } catch (error) {
      this.#refuseHandshake(error);
      return;
    }
    if (this.#draining) {
      hello.stream.destroy();
      return;
    }
    const served = options.upstream.database;
    if (hello.login.database && hello.login.database.toLowerCase() !== served.toLowerCase()) {
      this.#log.info({ user: hello.user }, 'login refused: the client asked for a database this connection does not serve');
      this.#sendAndClose(hello.stream, databaseRefusedTokens(hello.login.database, served));
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
    } else if (error instanceof GatehouseError && error.code.startsWith('TDS_')) {
      this.#log.warn({ err: errorSummary(error) }, 'client protocol violation during handshake');
    } else {
      this.#log.info({ err: errorSummary(error) }, 'client left during handshake');
    }
    this.#socket.destroy();
  }

  #sendAndClose(stream: Duplex, tokens: Buffer): void {
    stream.end(encodeMessage(PacketType.TabularResult, tokens));
    setTimeout(() => this.#socket.destroy(), 1_000).unref();
  }

  /** Who is connecting, before there is an identity: what the authentication and upstream hooks see. */
  #attempt(): SessionAttempt {
    const context = this.#context;
    return { sessionId: this.id, connection: context.connection, environment: context.environment, dialect: 'mssql', clientAddress: context.clientAddress };
  }

  async #authenticate(hello: ClientHello): Promise<Principal | undefined> {
    const hooks = this.#options.hooks;
    const startedAt = new Date();
    const started = performance.now();
    const tls = hello.encryption !== 'none';
    const authMethod = hello.credential.kind === 'fedauth' ? 'fedauth-access-token' : tls ? 'login7-password-in-tls' : 'login7-password';
    const user = claimedUser(hello.user, hello.credential);
    try {
      const principal = await this.#options.authenticate({ user, credential: hello.credential.token, clientAddress: this.#context.clientAddress });
      hooks?.authenticated?.(this.#attempt(), { ok: true, startedAt, durationMs: performance.now() - started, principal });
      this.#log.info(
        { principal: principal.id, kind: principal.kind, via: principal.via, client: this.#context.clientAddress, application: hello.login.appName, encryption: hello.encryption, authMethod },
        'session authenticated',
      );
      return principal;
    } catch (error) {
      const errorType = error instanceof GatehouseError ? error.code : 'error';
      hooks?.authenticated?.(this.#attempt(), { ok: false, startedAt, durationMs: performance.now() - started, errorType });
      this.#log.warn({ user, client: this.#context.clientAddress, err: errorSummary(error) }, 'authentication refused');
      // Recorded (durably, when the audit trail is wired) before the client hears the refusal.
      await Promise.resolve(
        hooks?.authenticationRefused?.(this.#attempt(), {
          claimedUser: user,
          reason: errorType,
          tls,
          authMethod,
          ...(hello.login.appName ? { applicationName: hello.login.appName } : {}),
        }),
      ).catch((failure: unknown) => this.#log.error({ err: errorSummary(failure) }, 'authentication refusal could not be recorded'));
      this.#sendAndClose(hello.stream, loginFailedTokens(user));
      return undefined;
    }
  }

  async #connectUpstream(hello: ClientHello): Promise<MssqlUpstreamConnection | undefined> {
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
      // The client's packet size is asked for upstream, so packets can be forwarded verbatim both ways.
      const upstream = await loginUpstream({ ...settings, packetSize: hello.packetSize, appName: settings.appName ?? `gatehouse:${hello.login.appName}`.slice(0, 128) });
      report();
      if (upstream.redirects.length > 0) this.#log.info({ hops: upstream.redirects.length }, 'upstream login followed ENVCHANGE routing');
      return upstream;
    } catch (error) {
      const errorType = error instanceof UpstreamLoginError && error.number !== undefined ? String(error.number) : error instanceof GatehouseError ? error.code : 'error';
      report(errorType);
      this.#log.error({ err: errorSummary(error), ...(error instanceof UpstreamLoginError && error.number !== undefined ? { errorNumber: error.number } : {}) }, 'upstream login failed');
      this.#sendAndClose(hello.stream, gatewayFailureTokens('gatehouse: the database behind this connection is unavailable; try again later'));
      return undefined;
    }
  }

  async #relayUntilClosed(hello: ClientHello, principal: Principal, upstream: MssqlUpstreamConnection): Promise<void> {
    const options = this.#options;
    const client = hello.stream;
    client.write(encodeMessage(PacketType.TabularResult, composeClientLoginResponse(upstream.login, hello.login)));
    const packetSize = upstream.login.packetSize ?? hello.packetSize;
    let identity: HookSession = {
      sessionId: this.id,
      principal,
      target: {
        connection: this.#context.connection,
        environment: this.#context.environment,
        dialect: 'mssql',
        database: upstream.login.database ?? options.upstream.database,
      },
      clientAddress: this.#context.clientAddress,
    };
    const log = this.#log;
    const hooks = options.hooks;
    // An observer that throws is its own problem: the statement and the session go on.
    const observe = (event: () => void): void => {
      try {
        event();
      } catch (error) {
        log.warn({ err: errorSummary(error) }, 'a session hook failed');
      }
    };
    const relay = new Relay(
      { client, upstream: upstream.stream, packetSize, ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}) },
      {
        decide: (text) => options.decider.decide(identity, text),
        decideActions: (actions) => options.decider.decideActions(identity, actions),
        masker: options.masker,
        redactText: (text) => options.masker.redactText(text, 'mssql'),
        database: () => identity.target.database,
        setDatabase: (database) => {
          identity = { ...identity, target: { ...identity.target, database } };
        },
        onStatement: (outcome) => {
          // No closure per statement unless a hook listens.
          if (hooks?.statementDecided) observe(() => hooks.statementDecided!(identity, outcome));
          const { actions, decision } = outcome;
          const level = decision.effect === 'allow' ? 'debug' : 'info';
          // Checked first: this runs for every statement, and building the record costs more than the check.
          if (!log.isLevelEnabled(level)) return;
          log[level](
            { principal: principal.id, effect: decision.effect, rules: decision.rules, risk: decision.risk.score, statements: actions.map((action) => action.redactedText) },
            'statement decided',
          );
        },
        gate: (outcome, cancellation) => this.#gate(identity, outcome, cancellation),
        ...(hooks?.traceContext ? { traceContext: (outcome: StatementOutcome) => hooks.traceContext!(identity, outcome) } : {}),
        ...(hooks?.statementCompleted ? { onCompleted: (completed) => observe(() => hooks.statementCompleted!(identity, completed)) } : {}),
        onProtocolError: (side, error) => log.warn({ side, err: errorSummary(error) }, 'protocol violation: session closed'),
      },
    );
    hooks?.sessionStarted?.({
      ...identity,
      ...(hello.login.appName ? { applicationName: hello.login.appName } : {}),
      tls: hello.encryption !== 'none',
      startedAt: new Date(),
    });
    this.#relay = relay;
    relay.start(hello.messages.detach(), upstream.messages.detach());
    if (this.#draining) relay.drain();
    await relay.closed;
    // TLS inside PRELOGIN runs over a carrier stream: ending the TLS stream does not end the TCP
    // connection under it, so that is ended here (after the TLS close_notify has gone out).
    setImmediate(() => this.#socket.end());
    setTimeout(() => this.#socket.destroy(), 1_000).unref();
    upstream.socket.destroy();
    hooks?.sessionEnded?.(identity, new Date(), { clientBytesIn: this.#socket.bytesRead, clientBytesOut: this.#socket.bytesWritten });
    log.info('session ended');
  }

  /** The hooks' gate (or the decision alone), with gateSettled told what it answered. */
  #gate(identity: HookSession, outcome: StatementOutcome, cancellation: { readonly signal: AbortSignal }): GateResult | Promise<GateResult> {
    const hooks = this.#options.hooks;
    const result = hooks?.gate ? hooks.gate(identity, outcome, cancellation.signal) : decisionGate(outcome);
    const settled = hooks?.gateSettled;
    if (!settled) return result;
    if (!(result instanceof Promise)) {
      settled(identity, outcome, result);
      return result;
    }
    return result.then(
      (answer) => {
        settled(identity, outcome, answer);
        return answer;
      },
      (error: unknown) => {
        settled(identity, outcome, { proceed: false, reason: 'audit-unavailable', message: 'gate failed' });
        throw error;
      },
    );
  }
}
