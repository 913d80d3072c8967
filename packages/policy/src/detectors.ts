import { BUILTIN_DETECTORS } from '@gatehouse/masking';
import type { BuiltinDetectorName } from '@gatehouse/masking';

/**
 * Detector names the masking package provides; policy refuses anything else unless defined in the
 * file. Masking owns the list, so a detector added there is accepted here without a second edit.
 */
export const BUILT_IN_DETECTORS: readonly BuiltinDetectorName[] = BUILTIN_DETECTORS;
export type BuiltInDetector = BuiltinDetectorName;
