import { LITERAL_TRIGGER } from './triggers.js';
import type { Detector, DetectorMatch } from './types.js';

const BEGIN = '-----BEGIN ';
const MAX_LABEL = 40;

/**
 * PEM private keys (RSA, EC, DSA, OPENSSH, ENCRYPTED, PKCS#8): the whole block from BEGIN to the
 * matching END line. A block cut off before its END (truncated logs) is masked to the end of text.
 */
export function privateKeyDetector(): Detector {
  return {
    name: 'private_key',
    optIn: false,
    trigger: LITERAL_TRIGGER,
    find(text: string, out: DetectorMatch[]): void {
      let from = 0;
      for (;;) {
        const at = text.indexOf(BEGIN, from);
        if (at < 0) return;
        from = at + BEGIN.length;
        const labelEnd = text.indexOf('-----', from);
        if (labelEnd < 0) return;
        if (labelEnd - from > MAX_LABEL) continue;
        const label = text.slice(from, labelEnd);
        if (!label.endsWith('PRIVATE KEY')) continue;
        const endMarker = `-----END ${label}-----`;
        const endAt = text.indexOf(endMarker, labelEnd + 5);
        const end = endAt < 0 ? text.length : endAt + endMarker.length;
        out.push({ start: at, end, detector: 'private_key' });
        from = end;
      }
    },
  };
}
