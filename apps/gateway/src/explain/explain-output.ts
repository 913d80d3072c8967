import type { Action, Decision, MaskObligation, MaskStrategySpec } from '@gatehouse/core';

/** The JSON shape `gatehouse policy explain` prints: one object, stable keys. */
export interface ExplainOutput {
  readonly effect: Decision['effect'];
  readonly reason: string;
  readonly rules: readonly string[];
  readonly risk: Decision['risk'];
  readonly actions: readonly ExplainedAction[];
  readonly mask: ExplainedMask | null;
  readonly rowLimit: number | null;
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

export interface ExplainedMask {
  readonly columns: Readonly<Record<string, string>>;
  readonly detect: Readonly<Record<string, string>>;
  readonly customDetectors: readonly string[];
  readonly failure: MaskObligation['failure'];
}

export function explainOutput(actions: readonly Action[], decision: Decision): ExplainOutput {
  const { mask, rowLimit, review } = decision.obligations;
  return {
    effect: decision.effect,
    reason: decision.reason,
    rules: decision.rules,
    risk: decision.risk,
    actions: actions.map(explainAction),
    mask: mask ? explainMask(mask) : null,
    rowLimit: rowLimit ?? null,
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
