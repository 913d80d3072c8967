import { DIGITS_TRIGGER } from './triggers.js';
import { scanRegex } from './regex-scan.js';
import type { Detector, DetectorMatch } from './types.js';

// AAA-GG-SSSS with dashes or spaces (the same separator twice); bare 9-digit runs are too ambiguous.
const CANDIDATE = /(?<![\w.-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w]|[.-]\d)/g;

/** Numbers the SSA never issues or published as examples. */
const NEVER_ISSUED = new Set(['078051120', '219099999']);

/** US Social Security numbers, minus the invalid area (000, 666, 900–999), group (00) and serial (0000). */
export function usSsnDetector(): Detector {
  return {
    name: 'us_ssn',
    optIn: false,
    trigger: DIGITS_TRIGGER,
    find(text: string, out: DetectorMatch[]): void {
      if (text.length < 11) return;
      scanRegex(CANDIDATE, text, out, 'us_ssn', (m) => isValidSsn(m[1] ?? '', m[3] ?? '', m[4] ?? ''));
    },
  };
}

export function isValidSsn(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (group === '00' || serial === '0000') return false;
  return !NEVER_ISSUED.has(area + group + serial);
}
