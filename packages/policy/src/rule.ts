import type {
  AuditDetail,
  ColumnMaskRule,
  CustomDetectorSpec,
  DetectorMaskRule,
  Effect,
  MaskFailureMode,
  MaskObligation,
  MaskStrategySpec,
  ReviewObligation,
} from '@gatehouse/core';
import { compileCondition } from './condition.js';
import { compileRowFilters } from './row-filter-compile.js';
import type { CompiledRowFilter } from './row-filter-compile.js';
import type { CompiledCondition } from './condition.js';
import { parseDuration } from '@gatehouse/yaml-config';
import type { MaskDocument, ReviewDocument, StrategyDocument } from './schema-obligations.js';
import type { PolicyDocument, RuleDocument, RuleMode } from './schema-policy.js';

/** Strictness order: deny beats review beats allow. */
export const EFFECT_RANK: Readonly<Record<Effect, number>> = { allow: 0, review: 1, deny: 2 };
export const RANKED_EFFECTS: readonly Effect[] = ['allow', 'review', 'deny'];

export const DEFAULT_REVIEW_TIMEOUT_MS = 15 * 60_000;

export interface CompiledRule {
  readonly id: string;
  readonly effect: Effect;
  readonly rank: number;
  readonly mode: RuleMode;
  readonly message: string | undefined;
  /** Precomputed reason fragment: "denied by rule x: message". */
  readonly reason: string;
  readonly when: CompiledCondition | undefined;
  readonly unless: CompiledCondition | undefined;
  readonly mask: MaskObligation | undefined;
  readonly review: ReviewObligation | undefined;
  readonly rowLimit: number | undefined;
  /** Allow rules only: row filters, attribute-free parts prebuilt. */
  readonly rowFilters: readonly CompiledRowFilter[] | undefined;
  readonly audit: AuditDetail | undefined;
}

const VERB: Readonly<Record<Effect, string>> = { allow: 'allowed', review: 'review required', deny: 'denied' };

function strategy(document: StrategyDocument | undefined): MaskStrategySpec {
  if (document === undefined) return { kind: 'redact' };
  return {
    kind: document.strategy,
    ...(document.keep === undefined ? {} : { keep: document.keep }),
    ...(document.replacement === undefined ? {} : { replacement: document.replacement }),
  };
}

function compileMask(
  rule: string,
  document: MaskDocument,
  customDetectors: ReadonlyMap<string, CustomDetectorSpec>,
  defaultFailure: MaskFailureMode,
): MaskObligation {
  const columns: ColumnMaskRule[] = Object.entries(document.columns ?? {}).map(([pattern, spec]) => ({
    pattern,
    strategy: strategy(spec),
    rule,
  }));
  const detectors: DetectorMaskRule[] = (document.detect ?? []).map((entry) => ({
    detector: entry.detector,
    strategy: strategy(entry.strategy),
    rule,
  }));
  // Carry only the custom detectors this rule uses, so the masker compiles no more than needed.
  const custom = detectors.flatMap((entry) => customDetectors.get(entry.detector) ?? []);
  return { columns, detectors, customDetectors: custom, failure: document.failure ?? defaultFailure };
}

function compileReview(rule: string, document: ReviewDocument): ReviewObligation {
  return {
    rule,
    mode: document.mode ?? 'hold',
    approvers: { groups: document.approvers.groups ?? [], users: document.approvers.users ?? [] },
    minApprovals: document.minApprovals ?? 1,
    timeoutMs: document.timeout === undefined ? DEFAULT_REVIEW_TIMEOUT_MS : (parseDuration(document.timeout) ?? DEFAULT_REVIEW_TIMEOUT_MS),
  };
}

/** Policy-wide settings a rule compiles against. */
export interface RuleContext {
  readonly customDetectors: ReadonlyMap<string, CustomDetectorSpec>;
  readonly defaultMaskFailure: MaskFailureMode;
}

export function ruleContext(policy: PolicyDocument): RuleContext {
  return {
    customDetectors: new Map((policy.detectors ?? []).map((detector) => [detector.name, customDetectorSpec(detector)])),
    defaultMaskFailure: policy.defaults?.mask?.failure ?? 'strict',
  };
}

export function compileRule(document: RuleDocument, context: RuleContext): CompiledRule {
  // Restrictive rules match when any object matches; allow rules only when every object does.
  // `unless` carves out an exception, so it takes the opposite, equally cautious quantifier.
  const restrictive = document.effect !== 'allow';
  const message = document.message;
  return {
    id: document.id,
    effect: document.effect,
    rank: EFFECT_RANK[document.effect],
    mode: document.mode ?? 'enforce',
    message,
    reason: `${VERB[document.effect]} by rule ${document.id}${message === undefined ? '' : `: ${message}`}`,
    when: document.when === undefined ? undefined : compileCondition(document.when, restrictive ? 'any' : 'every'),
    unless: document.unless === undefined ? undefined : compileCondition(document.unless, restrictive ? 'every' : 'any'),
    mask:
      document.mask === undefined
        ? undefined
        : compileMask(document.id, document.mask, context.customDetectors, context.defaultMaskFailure),
    review: document.review === undefined ? undefined : compileReview(document.id, document.review),
    rowLimit: document.limit?.rows,
    rowFilters: document.filter === undefined ? undefined : compileRowFilters(document.id, document.filter),
    audit: document.audit,
  };
}

function customDetectorSpec(detector: NonNullable<PolicyDocument['detectors']>[number]): CustomDetectorSpec {
  return {
    name: detector.name,
    ...(detector.regex === undefined ? {} : { regex: detector.regex }),
    ...(detector.words === undefined ? {} : { words: detector.words }),
  };
}
