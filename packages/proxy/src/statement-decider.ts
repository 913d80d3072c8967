import type { Action, AuditLiteralBinding, Decision, Dialect, PolicyEngine, Principal, RowFilter, RowPredicate, SqlDialect, Target } from '@gatehouse/core';
import { ObjectPatternCache } from '@gatehouse/core';
import type { AppliedRowFilter, ClassifyContext, RewriteRequest, StatementRewriter, SqlClassifier } from '@gatehouse/sql';
import { DEFAULT_MAX_STATEMENT_BYTES, extractLiteralBindings, statementRewriterForLoadedParsers } from '@gatehouse/sql';
import { DecisionCache } from './decision-cache.js';
import type { SessionDecisions } from './decision-cache.js';

/** Who is speaking, to what: fixed at login, updated when the session changes database. */
export interface SessionIdentity {
  readonly principal: Principal;
  readonly target: Target;
  readonly clientAddress: string;
}

export interface StatementOutcome {
  readonly actions: readonly Action[];
  readonly decision: Decision;
  /**
   * The text to send upstream instead of the client's (the statement rewritten with the decision's
   * row filters). Absent: forward the client's statement unchanged. Adapters never forward the
   * original when this is present.
   */
  readonly forwardText?: string;
  /** Literals bound to columns, only for the audit trail's keyed digests: never logged or traced. */
  readonly literals?: readonly AuditLiteralBinding[];
}

/** Where the current policy lives, so a reload swaps it for every session at once. */
export interface PolicySource {
  current(): PolicyEngine;
}

export interface SqlStatementDeciderOptions {
  /**
   * Fill `outcome.literals` for the audit trail's who-touched digests. Off by default: the runtime
   * turns it on when the trail has a digest key (extracting costs a token scan per statement).
   */
  readonly collectLiterals?: boolean;
  /** The row-filter rewriter; default: one over the parsers the classifier already loaded. */
  readonly rewriter?: StatementRewriter;
}

/**
 * A repeated statement's outcome as a new object, field by field: observers may have tagged the
 * original with properties of their own (the audit hooks' statement id), which a spread copy would
 * have to skip on its slow path, per statement.
 */
function copyOutcome(outcome: StatementOutcome): StatementOutcome {
  const copy: { -readonly [K in keyof StatementOutcome]: StatementOutcome[K] } = { actions: outcome.actions, decision: outcome.decision };
  if (outcome.forwardText !== undefined) copy.forwardText = outcome.forwardText;
  if (outcome.literals !== undefined) copy.literals = outcome.literals;
  return copy;
}

/** Flags under which nobody can say with certainty which rows a statement reads or writes. */
const UNCERTAIN_FLAGS = new Set(['dynamic', 'parse-error', 'too-large', 'executable-comment']);

/**
 * The one decision step every SQL adapter calls: text → actions → decision. The same function for
 * every dialect, so an adapter only converts native input and calls it.
 *
 * When an allowed (or held-for-review) decision carries row filters, the statement is rewritten so
 * only matching rows are read or written (`forwardText`); when that cannot be done with certainty
 * the outcome becomes a deny naming the filters' rules and the rewriter's reason.
 */
export class SqlStatementDecider {
  readonly #classifier: SqlClassifier;
  readonly #policy: PolicySource;
  readonly #collectLiterals: boolean;
  #rewriter: StatementRewriter | undefined;
  /** Row filters match broadly: a filter applied too widely hides rows, one missed shows them. */
  readonly #patterns = new ObjectPatternCache('broad');
  /**
   * Per filter list and dialect (policies that reuse their arrays pay the key and pattern work
   * once; one decider serves listeners of every dialect, and names mean different things in each).
   */
  readonly #prepared = new WeakMap<readonly RowFilter[], Map<Dialect, PreparedFilters>>();
  /** What each session decided, reused for repeated statements and shapes (see DecisionCache). */
  readonly #decisions = new DecisionCache();
  readonly #contexts = new WeakMap<Target, ClassifyContext>();
  /** Per session, what every statement needs: one lookup instead of one per piece. */
  readonly #sessions = new WeakMap<SessionIdentity, SessionState>();

  constructor(classifier: SqlClassifier, policy: PolicySource, options: SqlStatementDeciderOptions = {}) {
    this.#classifier = classifier;
    this.#policy = policy;
    this.#collectLiterals = options.collectLiterals ?? false;
    this.#rewriter = options.rewriter;
  }

  decide(identity: SessionIdentity, text: string): StatementOutcome {
    const { target } = identity;
    if (target.dialect === 'mongodb') throw new TypeError('SqlStatementDecider is for SQL dialects');
    const policy = this.#policy.current();
    // Drivers repeat a statement back to back (an unnamed Parse per execution): the outcome is a
    // pure function of the policy, the session and the text, so it is not worked out again. A copy:
    // observers tell statements apart by their outcome object.
    let state = this.#sessions.get(identity);
    if (state !== undefined && state.policy === policy && state.last?.text === text) return copyOutcome(state.last.outcome);
    if (state === undefined) {
      state = { policy, decisions: this.#decisions.session(policy, identity), context: this.#classifyContext(identity.target), last: undefined };
      this.#sessions.set(identity, state);
    } else if (state.policy !== policy) {
      // A reload: nothing decided under the old policy is reused.
      state.policy = policy;
      state.decisions = this.#decisions.session(policy, identity);
      state.last = undefined;
    }
    const outcome = this.#decideText(policy, identity, text, state);
    if (state.last === undefined) state.last = { text, outcome };
    else {
      state.last.text = text;
      state.last.outcome = outcome;
    }
    return outcome;
  }

  #decideText(policy: PolicyEngine, identity: SessionIdentity, text: string, state: SessionState): StatementOutcome {
    const target = identity.target;
    const actions = this.#classifier.classify(text, state.context);
    const decided: StatementOutcome = { actions, decision: this.#decisions.decideIn(state.decisions, policy, identity, actions, true) };
    const filtered = this.#applyRowFilters(identity, text, decided);
    // Over the classifier's limit nothing was parsed; scanning it for literals would cost as much.
    if (!this.#collectLiterals || text.length > DEFAULT_MAX_STATEMENT_BYTES) return filtered;
    const literals = extractLiteralBindings(text, target.dialect as SqlDialect, {
      ...(target.database !== undefined ? { database: target.database } : {}),
      ...(target.schema !== undefined ? { schema: target.schema } : {}),
    });
    return literals.length > 0 ? { ...filtered, literals } : filtered;
  }

  /** The classifier's context of a session's target, made once per target rather than per statement. */
  #classifyContext(target: Target): ClassifyContext {
    let context = this.#contexts.get(target);
    if (!context) {
      context = {
        dialect: target.dialect as SqlDialect,
        ...(target.database !== undefined ? { database: target.database } : {}),
        ...(target.schema !== undefined ? { schema: target.schema } : {}),
      };
      this.#contexts.set(target, context);
    }
    return context;
  }

  /** For adapters that build actions themselves (MongoDB) or re-decide known actions. */
  decideActions(identity: SessionIdentity, actions: readonly Action[]): StatementOutcome {
    return { actions, decision: this.#decisions.decide(this.#policy.current(), identity, actions, false) };
  }

  #applyRowFilters(identity: SessionIdentity, text: string, outcome: StatementOutcome): StatementOutcome {
    const { decision, actions } = outcome;
    const filters = decision.obligations.rowFilters;
    if (!filters || filters.length === 0 || decision.effect === 'deny') return outcome;
    const { target } = identity;
    if (target.dialect === 'mongodb') return outcome;
    const { filterFor, filterForAnySchema, key } = this.#prepare(filters, target.dialect);
    const uncertain = actions.find((action) => action.category === 'unknown' || action.flags.some((flag) => UNCERTAIN_FLAGS.has(flag)));
    if (uncertain) {
      return refuse(outcome, filters, 'the statement cannot be analysed with certainty (dynamic SQL, a parse failure or an unknown statement)');
    }
    // Every filtered object the classifier saw must be covered by the rewrite: the classifier is
    // the authority policy decided on, so a table it found and the rewriter missed is a refusal.
    const filteredObjects = new Set<string>();
    for (const action of actions) for (const object of action.objects) if (filterFor(object.name)) filteredObjects.add(object.name);
    // The rewriter runs even when the classifier saw no filtered table: it reads the statement with
    // the real parser and refuses definitions over the table (views, triggers, synonyms, INHERITS,
    // REFERENCES, routines) and dynamic-SQL functions itself, as a second line behind the
    // classifier, which reports those too. Results are cached by text and filters, so a repeated
    // statement costs a lookup.
    this.#rewriter ??= statementRewriterForLoadedParsers();
    const result = this.#rewriter.rewrite(
      {
        text,
        dialect: target.dialect,
        ...(target.database !== undefined ? { database: target.database } : {}),
        ...(target.schema !== undefined ? { schema: target.schema } : {}),
        filterFor,
        filterForAnySchema,
      },
      key,
    );
    if (result.kind === 'refused') return refuse(outcome, filters, result.reason, filterFor, filteredObjects);
    const covered = new Set(result.kind === 'rewritten' ? result.tables : []);
    const missed = [...filteredObjects].find((name) => !covered.has(name));
    if (missed !== undefined) {
      return refuse(outcome, filters, `${missed} is filtered but the rewriter could not locate every reference to it`, filterFor, filteredObjects);
    }
    return result.kind === 'rewritten' && result.text !== text ? { ...outcome, forwardText: result.text } : outcome;
  }

  #prepare(filters: readonly RowFilter[], dialect: Dialect): PreparedFilters {
    let byDialect = this.#prepared.get(filters);
    if (!byDialect) {
      byDialect = new Map();
      this.#prepared.set(filters, byDialect);
    }
    let prepared = byDialect.get(dialect);
    if (!prepared) {
      prepared = { filterFor: this.#lookup(filters, dialect), filterForAnySchema: this.#anySchemaLookup(filters, dialect), key: filtersKey(filters) };
      byDialect.set(dialect, prepared);
    }
    return prepared;
  }

  /** objectName → the AND of every filter whose glob matches it (filters of one table intersect). */
  #lookup(filters: readonly RowFilter[], dialect: Dialect): (objectName: string) => AppliedRowFilter | undefined {
    const compiled = filters.map((filter) => ({ filter, pattern: this.#patterns.get(filter.pattern) }));
    const memo = new Map<string, AppliedRowFilter | undefined>();
    return (objectName) => {
      if (memo.has(objectName)) return memo.get(objectName);
      if (memo.size > 10_000) memo.clear();
      const applied = combine(compiled.filter(({ pattern }) => pattern.matches(objectName, dialect)).map(({ filter }) => filter));
      memo.set(objectName, applied);
      return applied;
    };
  }

  /**
   * `database.<any schema>.table` → the AND of every filter that matches the table in some schema:
   * for names written without a schema, which the server resolves through a search path the
   * gateway cannot see. In broad matching an unresolved `?` segment matches any pattern segment,
   * which is exactly "this table, in some schema".
   */
  #anySchemaLookup(filters: readonly RowFilter[], dialect: Dialect): AnySchemaRowFilterLookup {
    const compiled = filters.map((filter) => ({ filter, pattern: this.#patterns.get(filter.pattern) }));
    const memo = new Map<string, AppliedRowFilter | undefined>();
    return (database, table) => {
      const name = `${database}.?.${table}`;
      if (memo.has(name)) return memo.get(name);
      if (memo.size > 10_000) memo.clear();
      const applied = combine(compiled.filter(({ pattern }) => pattern.matches(name, dialect)).map(({ filter }) => filter));
      memo.set(name, applied);
      return applied;
    };
  }
}

type AnySchemaRowFilterLookup = NonNullable<RewriteRequest['filterForAnySchema']>;

/** One session's standing state: the policy it was last decided under, and what goes with it. */
interface SessionState {
  policy: PolicyEngine;
  /** The session's decisions under `policy`. */
  decisions: SessionDecisions;
  readonly context: ClassifyContext;
  /** The last statement and its outcome: drivers repeat a statement back to back. */
  last: { text: string; outcome: StatementOutcome } | undefined;
}

interface PreparedFilters {
  readonly filterFor: (objectName: string) => AppliedRowFilter | undefined;
  readonly filterForAnySchema: AnySchemaRowFilterLookup;
  readonly key: string;
}

/** Filters of the same table intersect: one predicate, every rule named. */
function combine(matching: readonly RowFilter[]): AppliedRowFilter | undefined {
  if (matching.length === 0) return undefined;
  if (matching.length === 1) return { predicate: matching[0]!.predicate, rules: [matching[0]!.rule] };
  const predicate: RowPredicate = { kind: 'and', predicates: matching.map((filter) => filter.predicate) };
  return { predicate, rules: [...new Set(matching.map((filter) => filter.rule))] };
}

/** A stable key of the resolved filters (patterns, predicates with their values, rules) for the rewrite cache. */
function filtersKey(filters: readonly RowFilter[]): string {
  return JSON.stringify(filters.map((filter) => [filter.pattern, filter.rule, filter.predicate]));
}

/**
 * The outcome as a deny: the rules are those of the filters involved (all filters when the
 * statement could not be analysed), the reason the rewriter's, which names tables and rules only.
 */
function refuse(
  outcome: StatementOutcome,
  filters: readonly RowFilter[],
  reason: string,
  filterFor?: (objectName: string) => AppliedRowFilter | undefined,
  objects?: ReadonlySet<string>,
): StatementOutcome {
  const rules = new Set<string>();
  if (filterFor && objects) for (const name of objects) for (const rule of filterFor(name)?.rules ?? []) rules.add(rule);
  if (rules.size === 0) for (const filter of filters) rules.add(filter.rule);
  const decision: Decision = {
    ...outcome.decision,
    effect: 'deny',
    rules: [...rules],
    reason: `row filter cannot be applied: ${reason}`,
  };
  return { actions: outcome.actions, decision };
}
