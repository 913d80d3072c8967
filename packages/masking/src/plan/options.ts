import type { ValueTypeClass } from '@gatehouse/core';
import type { BuiltinDetectorOptions } from '../detectors/builtin.js';
import type { StrategyOptions } from '../strategies/strategy.js';

/** What a masked non-text value becomes instead of NULL: `text` for wire text, `value` for typed rows. */
export interface StandIn {
  readonly text: string;
  readonly value: unknown;
}

export interface MaskPlanOptions extends StrategyOptions {
  readonly detectors?: BuiltinDetectorOptions;
  /** Per type class, a stand-in for masked values of non-text columns (default: NULL). */
  readonly standIns?: Partial<Record<ValueTypeClass, StandIn>>;
}
