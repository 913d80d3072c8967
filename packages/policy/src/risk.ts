import type { Action, Category, Flag, PrincipalKind, RiskFactor } from '@gatehouse/core';

export const CATEGORY_POINTS: Readonly<Record<Category, number>> = {
  read: 0,
  session: 0,
  transaction: 0,
  write: 2,
  procedure: 3,
  ddl: 4,
  dcl: 5,
  admin: 5,
  // Unknown is the riskiest category: we could not tell what the statement does.
  unknown: 6,
};

export const FLAG_POINTS: Readonly<Record<Flag, number>> = {
  unbounded: 3,
  'multi-statement': 1,
  dynamic: 2,
  'side-effect-function': 2,
  'file-access': 3,
  'parse-error': 2,
  'server-side-script': 2,
  'privilege-switch': 3,
  'security-setting': 4,
  'too-large': 2,
  'executable-comment': 1,
};

export const DEFAULT_ENVIRONMENT_POINTS: Readonly<Record<string, number>> = { prod: 2, production: 2, staging: 1 };

export const PRINCIPAL_KIND_POINTS: Readonly<Record<PrincipalKind, number>> = { human: 0, service: 0, agent: 1 };

export const MAX_RISK = 10;

/** Distinct (category, flags, environment, kind) combinations kept; a policy sees few. */
const FACTOR_CACHE_ENTRIES = 4096;

/**
 * Scores actions 0–10. The score alone is computed on the hot path (no allocation); the factor list
 * is built only for the action that ends up as the decision's risk.
 */
export class RiskModel {
  readonly #environments: ReadonlyMap<string, number>;
  readonly #factorCache = new Map<string, readonly RiskFactor[]>();
  /** Factors of actions without flags (most statements), by environment, kind and category: found without building a key. */
  readonly #unflagged = new Map<string, Map<PrincipalKind, Map<Category, readonly RiskFactor[]>>>();

  constructor(environmentPoints: Readonly<Record<string, number>> = {}) {
    this.#environments = new Map(Object.entries({ ...DEFAULT_ENVIRONMENT_POINTS, ...environmentPoints }));
  }

  /** Points shared by every action of a request (environment and principal kind). */
  contextPoints(environment: string, kind: PrincipalKind): number {
    return (this.#environments.get(environment) ?? 0) + (PRINCIPAL_KIND_POINTS[kind] ?? 0);
  }

  score(action: Action, contextPoints: number): number {
    let points = (CATEGORY_POINTS[action.category] ?? CATEGORY_POINTS.unknown) + contextPoints;
    for (const flag of action.flags) points += FLAG_POINTS[flag] ?? 0;
    return points > MAX_RISK ? MAX_RISK : points;
  }

  /**
   * The factors behind a score, once per decision. They depend only on the category, the flags,
   * the environment and the principal kind, so they are built once per combination and shared
   * (frozen): a plain allow of a known shape allocates nothing here.
   */
  factors(action: Action, environment: string, kind: PrincipalKind): readonly RiskFactor[] {
    if (action.flags.length === 0) return this.#unflaggedFactors(action, environment, kind);
    const key = `${action.category}|${action.flags.join(',')}|${environment}|${kind}`;
    let factors = this.#factorCache.get(key);
    if (!factors) {
      if (this.#factorCache.size >= FACTOR_CACHE_ENTRIES) this.#factorCache.clear();
      factors = Object.freeze(this.#buildFactors(action, environment, kind));
      this.#factorCache.set(key, factors);
    }
    return factors;
  }

  #unflaggedFactors(action: Action, environment: string, kind: PrincipalKind): readonly RiskFactor[] {
    let byKind = this.#unflagged.get(environment);
    if (byKind === undefined) {
      if (this.#unflagged.size >= FACTOR_CACHE_ENTRIES) this.#unflagged.clear();
      this.#unflagged.set(environment, (byKind = new Map()));
    }
    let byCategory = byKind.get(kind);
    if (byCategory === undefined) byKind.set(kind, (byCategory = new Map()));
    let factors = byCategory.get(action.category);
    if (factors === undefined) {
      factors = Object.freeze(this.#buildFactors(action, environment, kind));
      byCategory.set(action.category, factors);
    }
    return factors;
  }

  #buildFactors(action: Action, environment: string, kind: PrincipalKind): RiskFactor[] {
    const factors: RiskFactor[] = [];
    const add = (name: string, points: number | undefined) => {
      if (points !== undefined && points > 0) factors.push(Object.freeze({ name, points }));
    };
    add(`category:${action.category}`, CATEGORY_POINTS[action.category] ?? CATEGORY_POINTS.unknown);
    for (const flag of action.flags) add(`flag:${flag}`, FLAG_POINTS[flag]);
    add(`environment:${environment}`, this.#environments.get(environment));
    add(`principal:${kind}`, PRINCIPAL_KIND_POINTS[kind]);
    return factors;
  }
}
