import { DIGITS_TRIGGER } from './triggers.js';
import { isValidPhoneNumber, type CountryCode } from 'libphonenumber-js';
import { scanRegex } from './regex-scan.js';
import type { Detector, DetectorMatch } from './types.js';

/*
 * Phone-like formatting only: E.164 (+ and 7–15 digits), or digit groups with required separators,
 * optionally after +CC and/or an (area) code. Groups are delimited by separators, so there is one way
 * to split a candidate and the regex stays linear. Bare digit runs (ids, epochs) never qualify.
 */
const CANDIDATE =
  /(?<![\w+.:/-])(?:\+\d{7,15}|(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,6}(?:[ .-]\d{1,6}){1,6}|\(\d{1,4}\) ?\d{1,6}(?:[ .-]\d{1,6}){0,5})(?![\w:/]|[.-]\d)/g;
const ISO_DATE = /^\d{4}[-./]\d{1,2}[-./]\d{1,2}/;
const DOTTED_ONLY = /^[\d.]+$/;

export interface PhoneDetectorOptions {
  /** Country assumed for numbers written without +CC. Default US. */
  readonly defaultCountry?: CountryCode;
}

/** International phone numbers, validated by libphonenumber-js metadata. */
export function phoneDetector(options: PhoneDetectorOptions = {}): Detector {
  const country = options.defaultCountry ?? 'US';
  return {
    name: 'phone',
    optIn: false,
    trigger: DIGITS_TRIGGER,
    find(text: string, out: DetectorMatch[]): void {
      if (text.length < 7) return;
      scanRegex(CANDIDATE, text, out, 'phone', (m) => isPhone(m[0], country));
    },
  };
}

/** libphonenumber costs ~10 µs per call; result sets repeat numbers, so remember recent verdicts. */
const VERDICTS = new Map<string, boolean>();
const MAX_VERDICTS = 4096;

function isPhone(candidate: string, country: CountryCode): boolean {
  const key = `${country}:${candidate}`;
  const known = VERDICTS.get(key);
  if (known !== undefined) return known;
  const verdict = validate(candidate, country);
  if (VERDICTS.size >= MAX_VERDICTS) VERDICTS.clear();
  VERDICTS.set(key, verdict);
  return verdict;
}

function validate(candidate: string, country: CountryCode): boolean {
  let digits = 0;
  for (let i = 0; i < candidate.length; i++) {
    const c = candidate.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  if (digits < 7 || digits > 15) return false;
  // Dates, versions and dotted quads are the common look-alikes.
  if (ISO_DATE.test(candidate) || DOTTED_ONLY.test(candidate)) return false;
  try {
    return candidate.startsWith('+') ? isValidPhoneNumber(candidate) : isValidPhoneNumber(candidate, country);
  } catch {
    return false;
  }
}
