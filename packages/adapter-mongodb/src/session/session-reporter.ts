import type { Action, Principal, SessionContext } from '@gatehouse/core';
import type { CompletedStatement, HookSession, Logger, SessionHooks, SessionIdentity, StatementOutcome } from '@gatehouse/proxy';

/** A MongoDB connection has no one database (each command names its own): sessions are reported under this one. */
export const SESSION_DATABASE = 'admin';

/** Identities kept per connection (one per database its commands name); cleared beyond this. */
const MAX_IDENTITIES = 64;

export interface SessionReporterOptions {
  readonly sessionId: string;
  readonly context: SessionContext;
  readonly hooks: SessionHooks | undefined;
  readonly log: Logger;
  /** The authenticated principal; only asked once the session has one. */
  principal(): Principal;
}

/** What one command's completion reports besides its result. */
export interface CompletionDetails {
  readonly rows?: number;
  readonly errorCode?: string;
  readonly maskedValues?: number;
}

/**
 * How a session shows up to the decider and the hooks (audit, approvals, telemetry): its identity
 * per database, the decision log line, statementCompleted and the traceparent to carry upstream.
 */
export class SessionReporter {
  readonly #options: SessionReporterOptions;
  /** Per database: the identity and the same identity as the hooks see it, built once. */
  readonly #identities = new Map<string, HookSession>();
  /** The last database asked for and its identity: commands of a connection mostly name one. */
  #lastDb: string | undefined;
  #lastSession: HookSession | undefined;

  constructor(options: SessionReporterOptions) {
    this.#options = options;
  }

  /** Whether statementCompleted is wired: only then are replies summarized and rows counted for it. */
  get reportsCompletion(): boolean {
    return this.#options.hooks?.statementCompleted !== undefined;
  }

  /** Whether a traceContext hook is wired: only then is a command's traceparent carried upstream. */
  get tracesCommands(): boolean {
    return this.#options.hooks?.traceContext !== undefined;
  }

  /**
   * The session's identity for commands on `db`. The same object every time for one database (the
   * decider keys its decision cache by it); it is also the HookSession, which only adds the id.
   */
  identity(db: string): SessionIdentity {
    return this.hookSession(db);
  }

  hookSession(db: string): HookSession {
    // A string comparison, where the map would hash the name (a new string per command) first.
    if (db === this.#lastDb) return this.#lastSession!;
    let session = this.#identities.get(db);
    if (!session) {
      const context = this.#options.context;
      session = {
        principal: this.#options.principal(),
        target: { connection: context.connection, environment: context.environment, dialect: 'mongodb', database: db },
        clientAddress: context.clientAddress,
        sessionId: this.#options.sessionId,
      };
      if (this.#identities.size > MAX_IDENTITIES) this.#identities.clear();
      this.#identities.set(db, session);
    }
    this.#lastDb = db;
    this.#lastSession = session;
    return session;
  }

  /** Reports the decision (after row filters, which may have turned it into a refusal). */
  decided(db: string, actions: readonly Action[], outcome: StatementOutcome): void {
    this.#options.hooks?.statementDecided?.(this.hookSession(db), outcome);
    const log = this.#options.log;
    const level = outcome.decision.effect === 'allow' ? 'debug' : 'info';
    if (log.isLevelEnabled(level))
      log[level](
        {
          principal: this.#options.principal().id,
          effect: outcome.decision.effect,
          rules: outcome.decision.rules,
          risk: outcome.decision.risk.score,
          statements: actions.map((action) => action.redactedText),
        },
        'statement decided',
      );
  }

  /** statementCompleted for one decided command (refused, answered here, or replied to by the server). */
  completed(db: string, outcome: StatementOutcome, startedAt: number, result: CompletedStatement['result'], details: CompletionDetails = {}): void {
    const hook = this.#options.hooks?.statementCompleted;
    if (!hook) return;
    hook(this.hookSession(db), {
      outcome,
      result,
      durationMs: performance.now() - startedAt,
      maskedValues: details.maskedValues ?? 0,
      ...(details.rows !== undefined ? { rows: details.rows } : {}),
      ...(details.errorCode !== undefined ? { errorCode: details.errorCode } : {}),
    });
  }

  /** The traceparent to carry upstream as the command's `comment`; a tracer that fails gives none. */
  traceContext(db: string, outcome: StatementOutcome): string | undefined {
    const hook = this.#options.hooks?.traceContext;
    if (!hook) return undefined;
    try {
      const traceparent = hook(this.hookSession(db), outcome);
      return typeof traceparent === 'string' && traceparent.length > 0 ? traceparent : undefined;
    } catch {
      return undefined;
    }
  }
}
