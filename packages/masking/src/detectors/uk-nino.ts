import { UPPER_DIGIT_TRIGGER } from './triggers.js';
import { scanRegex } from './regex-scan.js';
import type { Detector, DetectorMatch } from './types.js';

// Prefix letters exclude D F I Q U V (and O as the second letter); suffix A–D. Optional single spaces.
const CANDIDATE = /(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g;
const NEVER_ALLOCATED = new Set(['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ']);

/** UK National Insurance numbers. */
export function ukNinoDetector(): Detector {
  return {
    name: 'uk_nino',
    optIn: false,
    trigger: UPPER_DIGIT_TRIGGER,
    find(text: string, out: DetectorMatch[]): void {
      scanRegex(CANDIDATE, text, out, 'uk_nino', (m) => !NEVER_ALLOCATED.has(m[1] ?? ''));
    },
  };
}
