import { DIGITS_TRIGGER } from './triggers.js';
import { scanRegex } from './regex-scan.js';
import type { Detector, DetectorMatch } from './types.js';

// 13–19 digits, optionally split by single spaces or dashes; not glued to other digits or words.
const CANDIDATE = /(?<![\w.-])\d(?:[ -]?\d){12,18}(?![\w]|[.-]\d)/g;

/** Payment card numbers: issuer prefix and length, then the Luhn checksum. */
export function paymentCardDetector(): Detector {
  return {
    name: 'credit_card',
    optIn: false,
    trigger: DIGITS_TRIGGER,
    find(text: string, out: DetectorMatch[]): void {
      scanRegex(CANDIDATE, text, out, 'credit_card', (m) => isCardNumber(m[0]));
    },
  };
}

export function isCardNumber(candidate: string): boolean {
  const digits = candidate.replace(/[ -]/g, '');
  const separators = candidate.length - digits.length;
  // Mixed separators ("4111 1111-1111 1111") are not how cards are written.
  if (separators > 0 && /[ ]/.test(candidate) && /-/.test(candidate)) return false;
  return hasIssuerPrefix(digits) && luhnValid(digits);
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Major issuer ranges (IIN) and their lengths: Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro. */
function hasIssuerPrefix(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4') return n === 13 || n === 16 || n === 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16;
  if (p2 === 34 || p2 === 37) return n === 15;
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) return n >= 16;
  if (p4 >= 3528 && p4 <= 3589) return n >= 16;
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14;
  if (p2 === 62) return n >= 16;
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return n >= 12;
  return false;
}
