import { GatehouseError } from '@gatehouse/core';

/**
 * A value that must be masked could not be represented safely (strict failure mode). Adapters turn
 * it into a query error; the value is never passed through.
 */
export class MaskingError extends GatehouseError {
  readonly column: string;

  constructor(column: string, reason: string, options?: { cause?: unknown }) {
    super(
      'MASKING_FAILED',
      `Column "${column}" must be masked but ${reason}. The result was withheld; ask the policy owner to ` +
        `use failure: best-effort for this rule, or select the column without it.`,
      options,
    );
    this.column = column;
  }
}

/** The obligation or options cannot be compiled into a plan (unknown detector, missing key …). */
export class MaskPlanError extends GatehouseError {
  constructor(message: string) {
    super('MASK_PLAN_INVALID', message);
  }
}

/** A custom detector from policy was refused: unsafe or unsupported regex, empty word list. */
export class CustomDetectorError extends GatehouseError {
  readonly detector: string;

  constructor(detector: string, message: string) {
    super('MASK_DETECTOR_INVALID', `Custom detector "${detector}": ${message}`);
    this.detector = detector;
  }
}
