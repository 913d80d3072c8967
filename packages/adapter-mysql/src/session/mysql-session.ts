import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { Masker, Principal, Session, SessionContext } from '@gatehouse/core';
import { GatehouseError } from '@gatehouse/core';
import type { CompletedStatement, GateResult, HookSession, Logger, SessionAttempt, SessionHooks, SessionIdentity, SqlStatementDecider, StatementOutcome } from '@gatehouse/proxy';
import { errorSummary } from '@gatehouse/proxy';
import { ErrorCode } from '../protocol/constants.js';
import { encodeErr, encodeOk } from '../protocol/messages/generic.js';
import { clientHandshake, HandshakeRefusedError } from './client-handshake.js';
import type { ClientAuthPlugin, ClientHello } from './client-handshake.js';
import { useDatabaseAction } from './commands.js';
import { internalQuery } from './internal-query.js';
import { authenticationFailedError, databaseRefusedError, protocolViolationError, upstreamUnavailableError } from './native-errors.js';
import { isSafeCharsetName, isSafeCollationId, safeSqlMode, unsafeSqlModeFlags } from './pinned-settings.js';
import { Relay } from './relay.js';
import type { SessionRegistry } from './session-registry.js';
import { clientOffer, loginUpstream, openUpstream, UpstreamLoginError } from './upstream-login.js';
import type { MysqlUpstreamSettings, UpstreamConnection, UpstreamGreeting } from './upstream-login.js';

/** Everything one MySQL listener needs, shared by its sessions. */
export interface MysqlListenerOptions {
  readonly secureContext: SecureContext;
  /** Accept plaintext from loopback clients (development); TLS is otherwise required. */
  readonly allowPlaintextOnLoopback: boolean;
  readonly upstream: MysqlUpstreamSettings;
  authenticate(request: { user: string; credential: string; clientAddress: string }): Promise<Principal>;
  readonly decider: SqlStatementDecider;
  readonly masker: Masker;
  readonly sessions: SessionRegistry;
  readonly logger: Logger;
  /** Audit, approvals and telemetry: the dialect-neutral extension points. */
  readonly hooks?: SessionHooks;
  /** The plugin named in the greeting (default caching_sha2_password). */
  readonly clientAuthPlugin?: ClientAuthPlugin;
  /** The plugin other clients are switched to (default mysql_clear_password). */
  readonly switchAuthPlugin?: ClientAuthPlugin;
  /** RSA key pair for caching_sha2_password without TLS (loopback plaintext only). */
  readonly rsaKeys?: { readonly publicKey: string; readonly privateKey: string };
  readonly maxPacketBytes?: number;
  readonly handshakeTimeoutMs?: number;
}

/**
 * One client connection, top to bottom: upstream greeting (its capabilities bound what the client
 * is offered) → client handshake and token → identity → upstream login and pinned settings → relay.
 * Any failure ends this session only, with the ERR the client expects.
 */
export class MysqlSession implements Session {
  readonly id: string;
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #context: SessionContext;
  readonly #options: MysqlListenerOptions;
  readonly #log: Logger;
  #relay: Relay | undefined;
  #draining = false;

  constructor(socket: Socket, context: SessionContext, options: MysqlListenerOptions) {
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
    let pending: UpstreamGreeting;
    try {
      pending = await openUpstream(options.upstream);
    } catch (error) {
      this.#log.error({ err: errorSummary(error) }, 'upstream unavailable');
      this.#socket.end(upstreamUnavailableError(0));
      return;
    }
    const { greeting } = pending;
    let hello: ClientHello;
    try {
      hello = await clientHandshake(
        this.#socket,
        this.#context.clientAddress,
        {
          serverVersion: greeting.serverVersion,
          connectionId: greeting.connectionId,
          capabilities: clientOffer(greeting.capabilities),
          characterSet: greeting.characterSet,
          statusFlags: greeting.statusFlags,
        },
        {
          secureContext: options.secureContext,
          allowPlaintextOnLoopback: options.allowPlaintextOnLoopback,
          ...(options.clientAuthPlugin ? { authPlugin: options.clientAuthPlugin } : {}),
          ...(options.switchAuthPlugin ? { switchPlugin: options.switchAuthPlugin } : {}),
          ...(options.rsaKeys ? { rsaKeys: options.rsaKeys } : {}),
          ...(options.maxPacketBytes ? { maxPacketBytes: options.maxPacketBytes } : {}),
          ...(options.handshakeTimeoutMs ? { timeoutMs: options.handshakeTimeoutMs } : {}),
        },
      );
    } catch (error) {
      pending.socket.destroy();
      this.#refuseHandshake(error);
      return;
    }
    if (this.#draining) {
      pending.socket.destroy();
      hello.socket.destroy();
      return;
    }
    const principal = await this.#authenticate(hello);
    if (!principal) {
      pending.socket.destroy();
      return;
    }
    const identity: SessionIdentity = {
      principal,
      target: { connection: this.#context.connection, environment: this.#context.environment, dialect: 'mysql', database: options.upstream.database },
      clientAddress: this.#context.clientAddress,
    };
    const database = this.#initialDatabase(hello, identity);
    if (database === undefined) {
      pending.socket.destroy();
      return;
    }
    const upstream = await this.#connectUpstream(hello, pending, database);
    if (!upstream) return;
    await this.#relayUntilClosed(hello, principal, identity, upstream, database);
  }

  #refuseHandshake(error: unknown): void {
    if (error instanceof HandshakeRefusedError) {
      this.#log.info({ reason: error.message }, 'connection refused during handshake');
    } else if (error instanceof GatehouseError && error.code.startsWith('MYSQL_')) {
      this.#log.warn({ err: errorSummary(error) }, 'client protocol violation during handshake');
      this.#socket.end(protocolViolationError(error.message, 2));
    } else {
      this.#log.info({ err: errorSummary(error) }, 'client left during handshake');
    }
    this.#socket.destroy();
  }

  async #authenticate(hello: ClientHello): Promise<Principal | undefined> {
    const program = hello.connectAttributes.get('program_name') ?? hello.connectAttributes.get('_client_name');
    const hooks = this.#options.hooks;
    const startedAt = new Date();
    const started = performance.now();
    try {
      const principal = await this.#options.authenticate({ user: hello.user, credential: hello.token, clientAddress: this.#context.clientAddress });
      hooks?.authenticated?.(this.#attempt(), { ok: true, startedAt, durationMs: performance.now() - started, principal });
      this.#log.info(
        {
          principal: principal.id,
          kind: principal.kind,
          via: principal.via,
          client: this.#context.clientAddress,
          program,
          clientName: hello.connectAttributes.get('_client_name'),
          clientVersion: hello.connectAttributes.get('_client_version'),
          authPlugin: hello.authPlugin,
          tls: hello.tls,
        },
        'session authenticated',
      );
      return principal;
    } catch (error) {
      const message = error instanceof GatehouseError ? error.message : 'authentication failed';
      const errorType = error instanceof GatehouseError ? error.code : 'error';
      hooks?.authenticated?.(this.#attempt(), { ok: false, startedAt, durationMs: performance.now() - started, errorType });
      this.#log.warn({ user: hello.user, client: this.#context.clientAddress, program, err: errorSummary(error) }, 'authentication refused');
      // Recorded (durably, when the audit trail is wired) before the client hears the refusal.
      await Promise.resolve(
        hooks?.authenticationRefused?.(this.#attempt(), {
          claimedUser: hello.user,
          reason: errorType,
          tls: hello.tls,
          authMethod: hello.authPlugin,
          ...(program ? { applicationName: program } : {}),
        }),
      ).catch((failure: unknown) => this.#log.error({ err: errorSummary(failure) }, 'authentication refusal could not be recorded'));
      hello.socket.end(authenticationFailedError(hello.user, message, hello.nextSequenceId));
      return undefined;
    }
  }

  /** Who is connecting, before there is an identity: what the authentication hooks see. */
  #attempt(): SessionAttempt {
    const context = this.#context;
    return { sessionId: this.id, connection: context.connection, environment: context.environment, dialect: 'mysql', clientAddress: context.clientAddress };
  }

  /** The database the session starts in: the served one, or the client's choice decided as `USE`. */
  #initialDatabase(hello: ClientHello, identity: SessionIdentity): string | undefined {
    const served = this.#options.upstream.database;
    if (!isSafeCollationId(hello.characterSet)) {
      hello.socket.end(
        encodeErr(
          { errorCode: ErrorCode.NOT_SUPPORTED_YET, sqlState: '42000', message: `gatehouse: character set ${hello.characterSet} is refused (multibyte sets that can hide a quote); use utf8mb4` },
          hello.nextSequenceId,
        ),
      );
      return undefined;
    }
    if (!hello.database || hello.database === served) return served;
    const outcome = this.#options.decider.decideActions(identity, [useDatabaseAction(hello.database)]);
    if (outcome.decision.effect === 'allow') return hello.database;
    hello.socket.end(databaseRefusedError(hello.database, `${outcome.decision.reason} (${outcome.decision.rules.join(', ') || 'default deny'})`, hello.nextSequenceId));
    return undefined;
  }

  async #connectUpstream(hello: ClientHello, pending: UpstreamGreeting, database: string): Promise<UpstreamConnection | undefined> {
    const program = hello.connectAttributes.get('program_name');
    try {
      const upstream = await loginUpstream(pending, this.#options.upstream, {
        clientCapabilities: hello.capabilities,
        characterSet: hello.characterSet,
        database,
        connectAttributes: new Map([
          ['_client_name', 'gatehouse'],
          ['program_name', program ? `gatehouse:${program}`.slice(0, 200) : 'gatehouse'],
          ['gatehouse_session', this.#context.sessionId],
        ]),
      });
      await this.#pinSettings(upstream);
      return upstream;
    } catch (error) {
      const details = error instanceof UpstreamLoginError ? { errorCode: error.errorCode } : {};
      this.#log.error({ err: errorSummary(error), ...details }, 'upstream login failed');
      hello.socket.end(upstreamUnavailableError(hello.nextSequenceId));
      pending.socket.destroy();
      return undefined;
    }
  }

  /**
   * The classifier reads statements with backslash escapes on, `"` as a string quote and a safe
   * character set: the session is made to match (sql_mode flags removed) or refused.
   */
  async #pinSettings(upstream: UpstreamConnection): Promise<void> {
    const [row] = await internalQuery(upstream, 'SELECT @@session.sql_mode, @@session.character_set_client, @@session.character_set_connection');
    const [sqlMode, charsetClient, charsetConnection] = row ?? [];
    for (const charset of [charsetClient, charsetConnection]) {
      if (charset && !isSafeCharsetName(charset)) throw new UpstreamLoginError(`upstream session uses character set ${charset}, which the gateway cannot read safely`);
    }
    if (sqlMode && unsafeSqlModeFlags(sqlMode).length > 0) {
      const safe = safeSqlMode(sqlMode);
      this.#log.info({ removed: unsafeSqlModeFlags(sqlMode) }, 'sql_mode flags removed for this session');
      await internalQuery(upstream, `SET SESSION sql_mode = '${safe.replace(/[^A-Za-z0-9_,]/g, '')}'`);
    }
  }

  async #relayUntilClosed(hello: ClientHello, principal: Principal, initial: SessionIdentity, upstream: UpstreamConnection, database: string): Promise<void> {
    const options = this.#options;
    const client = hello.socket;
    const connectionId = upstream.greeting.connectionId;
    client.write(encodeOk({ statusFlags: upstream.statusFlags }, hello.nextSequenceId, hello.capabilities));
    options.sessions.register(connectionId, principal.id);

    let identity: HookSession = { ...initial, sessionId: this.id, target: { ...initial.target, database } };
    const log = this.#log;
    const hooks = options.hooks;
    const relay = new Relay(
      { client, clientReader: hello.stream.reader, upstream: upstream.socket, upstreamReader: upstream.reader, capabilities: hello.capabilities },
      {
        decide: (text) => options.decider.decide(identity, text),
        decideActions: (actions) => options.decider.decideActions(identity, actions),
        masker: options.masker,
        redactText: (text) => options.masker.redactText(text, 'mysql'),
        database: () => identity.target.database ?? database,
        setDatabase: (next) => {
          identity = { ...identity, target: { ...identity.target, database: next } };
        },
        initialDatabase: database,
        mayKill: (id) => options.sessions.mayKill(principal.id, id),
        onStatement: (outcome, what) => {
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
              command: what,
              statements: actions.map((action) => action.redactedText),
            },
            'statement decided',
          );
        },
        onProtocolError: (side, error) => log.warn({ side, err: errorSummary(error) }, 'protocol violation: session closed'),
        ...(hooks?.gate
          ? {
              gate: (outcome: StatementOutcome) => {
                const result = hooks.gate!(identity, outcome);
                if (!hooks.gateSettled) return result;
                const settle = (answer: GateResult) => {
                  hooks.gateSettled!(identity, outcome, answer);
                  return answer;
                };
                return result instanceof Promise ? result.then(settle) : settle(result);
              },
            }
          : {}),
        ...(hooks?.statementCompleted ? { onCompleted: (completed: CompletedStatement) => hooks.statementCompleted!(identity, completed) } : {}),
        ...(hooks?.traceContext ? { traceContext: (outcome: StatementOutcome) => hooks.traceContext!(identity, outcome) } : {}),
      },
    );
    hooks?.sessionStarted?.({
      ...identity,
      ...(hello.connectAttributes.get('program_name') ? { applicationName: hello.connectAttributes.get('program_name')! } : {}),
      tls: hello.tls,
      startedAt: new Date(),
    });
    this.#relay = relay;
    relay.start(hello.stream.detach());
    if (this.#draining) relay.drain();
    await relay.closed;
    hooks?.sessionEnded?.(identity, new Date());
    options.sessions.unregister(connectionId);
    log.info('session ended');
  }
}
