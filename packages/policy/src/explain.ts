import type { Decision, DecisionRequest, Effect, Risk } from '@gatehouse/core';
import { matchesAction, matchesRequest } from './condition.js';
import type { CompiledPolicy } from './engine.js';
import type { RuleMode } from './schema-policy.js';

/** How one rule fared against one action. */
export interface RuleTrace {
  readonly rule: string;
  readonly effect: Effect;
  readonly mode: RuleMode;
  /** `when` held (principal/target and action parts). */
  readonly when: boolean;
  /** `unless` held, which cancels the rule; false when the rule has none. */
  readonly unless: boolean;
  /** The rule applied: `when` held and `unless` did not. */
  readonly matched: boolean;
}

export interface ActionTrace {
  readonly index: number;
  readonly category: string;
  readonly operation: string;
  readonly objects: readonly string[];
  readonly risk: Risk;
  readonly rules: readonly RuleTrace[];
}

/** A decision with the per-action, per-rule evaluation behind it, for `gatehouse explain` and the UI. */
export interface Explanation {
  readonly decision: Decision;
  readonly actions: readonly ActionTrace[];
}

/**
 * Decides a request and shows why. Off the hot path: it re-evaluates every rule for every action
 * and allocates freely. Carries no statement text, only what actions carry by design.
 */
export function explainDecision(policy: CompiledPolicy, request: DecisionRequest): Explanation {
  const { principal, target } = request;
  const contextPoints = policy.risk.contextPoints(target.environment, principal.kind);
  const actions = request.actions.map((action, index): ActionTrace => {
    const score = policy.risk.score(action, contextPoints);
    const rules = policy.rules.map((rule): RuleTrace => {
      const when = rule.when === undefined || (matchesRequest(rule.when, request) && matchesAction(rule.when, action, score));
      const unless = rule.unless !== undefined && matchesRequest(rule.unless, request) && matchesAction(rule.unless, action, score);
      return { rule: rule.id, effect: rule.effect, mode: rule.mode, when, unless, matched: when && !unless };
    });
    return {
      index,
      category: action.category,
      operation: action.operation,
      objects: action.objects.map((object) => object.name),
      risk: { score, factors: policy.risk.factors(action, target.environment, principal.kind) },
      rules,
    };
  });
  return { decision: policy.decide(request), actions };
}
