import type { Action, Decision, MaskObligation, MaskStrategySpec, RowFilter } from '@gatehouse/core';
import { predicateText } from './predicate-text.js';

/** The JSON shape `gatehouse policy explain` prints: one object, stable keys. */
export interface ExplainOutput {
  readonly effect: Decision['effect'];
  readonly reason: string;
  readonly rules: readonly string[];
  readonly risk: Decision['risk'];
  readonly actions: readonly ExplainedAction[];
  readonly mask: ExplainedMask | null;
  readonly rowLimit: number | null;
  /** Row filters the statement runs under, one per rule and table pattern (same table: all apply). */
  readonly rowFilters: readonly ExplainedRowFilter[];
  /** The statement as the gateway would forward it (row filters applied), literals redacted; null when unchanged. */
  readonly rewritten: string | null;
  readonly review: Decision['obligations']['review'] | null;
  readonly observed: Decision['observed'];
}

export interface ExplainedAction {
  readonly category: Action['category'];
  readonly operation: string;
  readonly objects: Action['objects'];
  readonly flags: Action['flags'];
  readonly fingerprint: string;
  readonly redactedText: string;
  readonly lineage?: Action['lineage'];
}

export interface ExplainedRowFilter {
  readonly table: string;
  readonly rule: string;
  /** Readable form, e.g. `region = 'eu' AND tenant_id IN ('t1', 't2')`; values come from policy and the principal. */
  readonly where: string;
  readonly predicate: RowFilter['predicate'];
}

export interface ExplainedMask {
  readonly columns: Readonly<Record<string, string>>;
  readonly detect: Readonly<Record<string, string>>;
  readonly customDetectors: readonly string[];
  readonly failure: MaskObligation['failure'];
}

export function explainOutput(actions: readonly Action[], decision: Decision, rewritten?: string): ExplainOutput {
  const { mask, rowLimit, rowFilters, review } = decision.obligations;
  return {
    effect: decision.effect,
    reason: decision.reason,
    rules: decision.rules,
    risk: decision.risk,
    actions: actions.map(explainAction),
    mask: mask ? explainMask(mask) : null,
    rowLimit: rowLimit ?? null,
    rowFilters: (rowFilters ?? []).map(explainRowFilter),
    rewritten: rewritten ?? null,
    review: review ?? null,
    observed: decision.observed,
  };
}

function explainAction(action: Action): ExplainedAction {
  return {
    category: action.category,
    operation: action.operation,
    objects: action.objects,
    flags: action.flags,
    fingerprint: action.fingerprint,
    redactedText: action.redactedText,
    ...(action.lineage ? { lineage: action.lineage } : {}),
  };
}

function explainRowFilter(filter: RowFilter): ExplainedRowFilter {
  return { table: filter.pattern, rule: filter.rule, where: predicateText(filter.predicate), predicate: filter.predicate };
}

function explainMask(mask: MaskObligation): ExplainedMask {
  return {
    columns: Object.fromEntries(mask.columns.map((rule) => [rule.pattern, strategyLabel(rule.strategy)])),
    detect: Object.fromEntries(mask.detectors.map((rule) => [rule.detector, strategyLabel(rule.strategy)])),
    customDetectors: mask.customDetectors.map((detector) => detector.name),
    failure: mask.failure,
  };
}

function strategyLabel(strategy: MaskStrategySpec): string {
  return strategy.keep !== undefined ? `${strategy.kind}(keep ${strategy.keep})` : strategy.kind;
}
