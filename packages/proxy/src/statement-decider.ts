import type { Action, AuditLiteralBinding, Decision, PolicyEngine, Principal, Target } from '@gatehouse/core';
import type { SqlClassifier } from '@gatehouse/sql';

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

/**
 * The one decision step every SQL adapter calls: text → actions → decision. The same function for
 * every dialect, so an adapter only converts native input and calls it.
 */
export class SqlStatementDecider {
  readonly #classifier: SqlClassifier;
  readonly #policy: PolicySource;

  constructor(classifier: SqlClassifier, policy: PolicySource) {
    this.#classifier = classifier;
    this.#policy = policy;
  }

  decide(identity: SessionIdentity, text: string): StatementOutcome {
    const { target } = identity;
    if (target.dialect === 'mongodb') throw new TypeError('SqlStatementDecider is for SQL dialects');
    const actions = this.#classifier.classify(text, {
      dialect: target.dialect,
      ...(target.database !== undefined ? { database: target.database } : {}),
      ...(target.schema !== undefined ? { schema: target.schema } : {}),
    });
    return this.decideActions(identity, actions);
  }

  /** For adapters that build actions themselves (MongoDB) or re-decide known actions. */
  decideActions(identity: SessionIdentity, actions: readonly Action[]): StatementOutcome {
    const decision = this.#policy.current().decide({
      principal: identity.principal,
      target: identity.target,
      actions,
      clientAddress: identity.clientAddress,
    });
    return { actions, decision };
  }
}
