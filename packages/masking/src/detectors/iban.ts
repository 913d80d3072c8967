import { UPPER_DIGIT_TRIGGER } from './triggers.js';
import { scanRegex } from './regex-scan.js';
import type { Detector, DetectorMatch } from './types.js';

// Country code, check digits, then the BBAN in groups of four (optionally space-separated).
const CANDIDATE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g;

/** IBAN lengths for the common countries; others must be 15–34 characters. */
const LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18,
  FR: 27, GB: 22, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21,
  MC: 27, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, TR: 26,
};

/** International Bank Account Numbers: country length, then the ISO 13616 mod-97 checksum. */
export function ibanDetector(): Detector {
  return {
    name: 'iban',
    optIn: false,
    trigger: UPPER_DIGIT_TRIGGER,
    find(text: string, out: DetectorMatch[]): void {
      scanRegex(CANDIDATE, text, out, 'iban', (m) => isValidIban(m[0]));
    },
  };
}

export function isValidIban(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '');
  const expected = LENGTHS[iban.slice(0, 2)];
  if (expected !== undefined ? iban.length !== expected : iban.length < 15 || iban.length > 34) return false;
  // Move the first four characters to the end, letters become 10–35, then mod 97 piecewise.
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    const value = c <= 57 ? c - 48 : c - 55;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}
