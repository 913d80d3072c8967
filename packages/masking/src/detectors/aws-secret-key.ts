import { LITERAL_TRIGGER } from './triggers.js';
import { classCount, shannonEntropy } from './chars.js';
import { scanRegex } from './regex-scan.js';
import type { Detector, DetectorMatch } from './types.js';

// Exactly 40 base64 characters, not part of a longer token.
const CANDIDATE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const CONTEXT = /aws|secret/i;
const CONTEXT_WINDOW = 100;
/** Random base64 of this length averages ~4.8 bits/char; English-ish or hex strings stay well below. */
const UNGATED_ENTROPY = 4.7;

/**
 * AWS secret access keys. 40-character base64 is common (hashes, ids), so a candidate needs mixed
 * case and digits, and either "aws"/"secret" in the 100 characters before it or very high entropy.
 */
export function awsSecretKeyDetector(): Detector {
  return {
    name: 'aws_secret_key',
    optIn: false,
    trigger: LITERAL_TRIGGER,
    find(text: string, out: DetectorMatch[]): void {
      if (text.length < 40) return;
      scanRegex(CANDIDATE, text, out, 'aws_secret_key', (m) => {
        const start = m.index;
        const end = start + 40;
        if (classCount(text, start, end) < 3) return false;
        const context = text.slice(Math.max(0, start - CONTEXT_WINDOW), start);
        return CONTEXT.test(context) || shannonEntropy(text, start, end) >= UNGATED_ENTROPY;
      });
    },
  };
}
