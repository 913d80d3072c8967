import type {
  AuditDetail,
  Decision,
  DecisionRequest,
  Effect,
  MaskObligation,
  Obligations,
  ObservedRule,
  PolicyEngine,
  ReviewObligation,
  RowFilter,
} from '@gatehouse/core';
import { matchesAction, matchesRequest } from './condition.js';
import { maxAudit, mergeMasks } from './merge-obligations.js';
import { defaultDenyReason } from './reason.js';
import { resolveRowFilter, unresolvedReason } from './row-filter-compile.js';
import type { CompiledRowFilter, ResolveFailure } from './row-filter-compile.js';
import { EFFECT_RANK, RANKED_EFFECTS } from './rule.js';
import type { CompiledRule } from './rule.js';
import type { RiskModel } from './risk.js';

const NO_RULES: readonly string[] = Object.freeze([]);
const NO_OBSERVED: readonly ObservedRule[] = Object.freeze([]);
const DENY = EFFECT_RANK.deny;
const NONE = -1;

/**
 * A policy compiled once and decided many times. Per request it checks each rule's principal/target
 * part once, then each action against the action part; working state lives in buffers reused across
 * calls (decide is synchronous, so calls never interleave).
 */
export class CompiledPolicy implements PolicyEngine {
  readonly file: string;
  readonly rules: readonly CompiledRule[];
  /** The risk model this policy scores with (environment points come from the document). */
  readonly risk: RiskModel;
  readonly #audit: AuditDetail;
  /** Per rule: 1 when its `when` request part holds, 2 when its `unless` request part holds too. */
  readonly #requestMatch: Uint8Array;
  /** Per rule: matched (enforced) in some action of this request. */
  readonly #hit: Uint8Array;
  /** Per rule: an observe-mode rule that would have changed or co-decided an action's outcome. */
  readonly #observed: Uint8Array;
  /** Observe-mode matches of the current action, compared once its enforced effect is known. */
  readonly #pendingObserved: Int32Array;
  /** Where a row filter that cannot be resolved for the principal says why. */
  readonly #filterFailure: ResolveFailure = { unresolved: undefined };

  constructor(file: string, rules: readonly CompiledRule[], risk: RiskModel, audit: AuditDetail) {
    this.file = file;
    this.rules = rules;
    this.risk = risk;
    this.#audit = audit;
    this.#requestMatch = new Uint8Array(rules.length);
    this.#hit = new Uint8Array(rules.length);
    this.#observed = new Uint8Array(rules.length);
    this.#pendingObserved = new Int32Array(rules.length);
  }

  decide(request: DecisionRequest): Decision {
    try {
      return this.#decide(request);
    } catch (error) {
      // The engine must never throw at the gateway: an evaluation failure denies, and says so.
      const detail = error instanceof Error ? error.name : 'unknown error';
      return {
        effect: 'deny',
        rules: NO_RULES,
        reason: `denied: policy evaluation failed (${detail}); check the request and the policy`,
        risk: { score: 10, factors: [{ name: 'policy-error', points: 10 }] },
        obligations: { audit: 'full' },
        observed: NO_OBSERVED,
      };
    }
  }

  #decide(request: DecisionRequest): Decision {
    const { actions, principal, target } = request;
    if (actions.length === 0) {
      return { effect: 'allow', rules: NO_RULES, reason: 'nothing to execute', risk: { score: 0, factors: [] }, obligations: { audit: this.#audit }, observed: NO_OBSERVED };
    }
    const rules = this.rules;
    const requestMatch = this.#requestMatch;
    const hit = this.#hit;
    const observed = this.#observed;
    const pending = this.#pendingObserved;
    hit.fill(0);
    observed.fill(0);
    for (let r = 0; r < rules.length; r++) {
      const rule = rules[r] as CompiledRule;
      let state = rule.when === undefined || matchesRequest(rule.when, request) ? 1 : 0;
      if (state === 1 && rule.unless !== undefined && matchesRequest(rule.unless, request)) state = 2;
      requestMatch[r] = state;
    }

    const contextPoints = this.risk.contextPoints(target.environment, principal.kind);
    let finalRank = NONE;
    let maxRisk = -1;
    let riskiest = 0;
    let firstDefaultDeny = NONE;
    let defaultDenies = 0;
    for (let a = 0; a < actions.length; a++) {
      const action = actions[a] as (typeof actions)[number];
      const risk = this.risk.score(action, contextPoints);
      if (risk > maxRisk) {
        maxRisk = risk;
        riskiest = a;
      }
      let actionRank = NONE;
      let pendingCount = 0;
      for (let r = 0; r < rules.length; r++) {
        const state = requestMatch[r];
        if (state === 0) continue;
        const rule = rules[r] as CompiledRule;
        if (rule.when !== undefined && !matchesAction(rule.when, action, risk)) continue;
        if (state === 2 && matchesAction(rule.unless as NonNullable<CompiledRule['unless']>, action, risk)) continue;
        if (rule.mode === 'observe') {
          pending[pendingCount++] = r;
        } else {
          hit[r] = 1;
          if (rule.rank > actionRank) actionRank = rule.rank;
        }
      }
      // An observe rule is reported when it would change this action's effect or share in deciding it.
      for (let p = 0; p < pendingCount; p++) {
        const r = pending[p] as number;
        if (actionRank === NONE || (rules[r] as CompiledRule).rank >= actionRank) observed[r] = 1;
      }
      if (actionRank === NONE) {
        actionRank = DENY;
        defaultDenies++;
        if (firstDefaultDeny === NONE) firstDefaultDeny = a;
      }
      if (actionRank > finalRank) finalRank = actionRank;
    }

    const effect = RANKED_EFFECTS[finalRank] as Effect;
    const deciding: string[] = [];
    const reasons: string[] = [];
    let audit = this.#audit;
    let review: ReviewObligation | undefined;
    let rowLimit: number | undefined;
    let rowFilters: RowFilter[] | undefined;
    let unresolvable: CompiledRowFilter | undefined;
    const failure = this.#filterFailure;
    failure.unresolved = undefined;
    const masks: MaskObligation[] = [];
    for (let r = 0; r < rules.length; r++) {
      if (hit[r] === 0) continue;
      const rule = rules[r] as CompiledRule;
      audit = maxAudit(audit, rule.audit);
      if (rule.rank === finalRank) {
        deciding.push(rule.id);
        reasons.push(rule.reason);
      }
      if (effect === 'deny') continue;
      // Result obligations come from allow rules, and on review from the review rules too: they
      // apply once the statement is approved and runs.
      if (effect === 'review' && rule.effect === 'review' && review === undefined) review = rule.review;
      if (rule.mask !== undefined) masks.push(rule.mask);
      if (rule.rowLimit !== undefined && (rowLimit === undefined || rule.rowLimit < rowLimit)) rowLimit = rule.rowLimit;
      // Filters of every matching allow rule apply together (the enforcer ANDs those of one table),
      // so a rule granting more never widens what another rule narrowed.
      if (rule.rowFilters !== undefined && unresolvable === undefined) {
        for (const filter of rule.rowFilters) {
          const resolved = resolveRowFilter(filter, principal, failure);
          if (resolved === undefined) {
            unresolvable = filter;
            break;
          }
          (rowFilters ??= []).push(resolved);
        }
      }
    }
    if (effect === 'deny' && firstDefaultDeny !== NONE) {
      const more = defaultDenies > 1 ? ` (and ${defaultDenies - 1} more statement${defaultDenies > 2 ? 's' : ''})` : '';
      reasons.push(defaultDenyReason(actions[firstDefaultDeny] as (typeof actions)[number], principal) + more);
    }

    const riskAction = actions[riskiest] as (typeof actions)[number];
    const risk = { score: maxRisk, factors: this.risk.factors(riskAction, target.environment, principal.kind) };
    if (unresolvable !== undefined && failure.unresolved !== undefined) {
      // A filter that cannot be built for this principal never means "no filter": the statement is refused.
      return {
        effect: 'deny',
        rules: [unresolvable.rule],
        reason: unresolvedReason(unresolvable, principal, failure.unresolved),
        risk,
        obligations: { audit },
        observed: this.#observedRules(),
      };
    }
    const mask = mergeMasks(masks);
    // Most decisions carry the audit level alone: built without the spreads of the general case.
    const obligations: Obligations =
      mask === undefined && rowLimit === undefined && rowFilters === undefined && review === undefined
        ? { audit }
        : {
            audit,
            ...(mask === undefined ? {} : { mask }),
            ...(rowLimit === undefined ? {} : { rowLimit }),
            ...(rowFilters === undefined ? {} : { rowFilters }),
            ...(review === undefined ? {} : { review }),
          };
    return {
      effect,
      rules: deciding,
      reason: reasons.join('; '),
      risk,
      obligations,
      observed: this.#observedRules(),
    };
  }

  #observedRules(): readonly ObservedRule[] {
    let list: ObservedRule[] | undefined;
    for (let r = 0; r < this.rules.length; r++) {
      if (this.#observed[r] === 0) continue;
      const rule = this.rules[r] as CompiledRule;
      (list ??= []).push({ rule: rule.id, effect: rule.effect });
    }
    return list ?? NO_OBSERVED;
  }
}
