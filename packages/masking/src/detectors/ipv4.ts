import { DOTTED_DIGIT_TRIGGER } from './triggers.js';
import { scanRegex } from './regex-scan.js';
import type { Detector, DetectorMatch } from './types.js';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
// Four octets, not part of a longer dotted number (1.2.3.4.5) or a word (v1.2.3.4).
const CANDIDATE = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?!\\.?\\w)`, 'g');

/** IPv4 addresses in dotted-quad form. */
export function ipv4Detector(): Detector {
  return {
    name: 'ipv4',
    optIn: false,
    trigger: DOTTED_DIGIT_TRIGGER,
    find(text: string, out: DetectorMatch[]): void {
      if (text.indexOf('.') < 0) return;
      scanRegex(CANDIDATE, text, out, 'ipv4', () => true);
    },
  };
}
