import type { Action } from './action.js';
import type { Obligations } from './obligations.js';
import type { Principal } from './principal.js';
import type { Target } from './target.js';

export const EFFECTS = ['allow', 'deny', 'review'] as const;
export type Effect = (typeof EFFECTS)[number];

/** One contribution to a risk score, e.g. `{ name: 'category:ddl', points: 4 }`. */
export interface RiskFactor {
  readonly name: string;
  readonly points: number;
}

/** A 0–10 score with the factors that produced it. */
export interface Risk {
  readonly score: number;
  readonly factors: readonly RiskFactor[];
}

/** A rule in `mode: observe` that would have changed the outcome: reported, never enforced. */
export interface ObservedRule {
  readonly rule: string;
  readonly effect: Effect;
}

export interface Decision {
  readonly effect: Effect;
  /** The rule ids that caused the effect (for a default deny: none). */
  readonly rules: readonly string[];
  readonly reason: string;
  readonly risk: Risk;
  readonly obligations: Obligations;
  readonly observed: readonly ObservedRule[];
}

/** Everything policy sees about one request: Cedar's principal, action, resource, context. */
export interface DecisionRequest {
  readonly principal: Principal;
  readonly target: Target;
  readonly actions: readonly Action[];
  readonly clientAddress?: string;
}

/** Decides requests. Implementations never throw for a well-formed request: errors deny. */
export interface PolicyEngine {
  decide(request: DecisionRequest): Decision;
}
