import type { Dialect, MaskPlan, MaskPlanInput, Masker } from '@gatehouse/core';
import { compileMaskPlan } from './plan/compile-plan.js';
import type { MaskPlanOptions } from './plan/options.js';
import { redactText, type RedactTextOptions } from './text/redact-text.js';

/** The core Masker contract, bound to the gateway's masking options (keys, stand-ins, detectors). */
export function createMasker(options: MaskPlanOptions = {}, textOptions: Omit<RedactTextOptions, 'dialect'> = {}): Masker {
  return {
    compilePlan: (input: MaskPlanInput): MaskPlan => compileMaskPlan(input, options),
    redactText: (text: string, dialect?: Dialect): string =>
      redactText(text, { ...textOptions, ...(dialect !== undefined ? { dialect } : {}) }),
  };
}
