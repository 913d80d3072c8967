import { LITERAL_TRIGGER } from './triggers.js';
import { isDigit, isUpper } from './chars.js';
import { prefixedTokenDetector } from './prefixed-token.js';
import type { Detector } from './types.js';

/** AWS access key ids: AKIA (long-term), ASIA (STS), ABIA/ACCA, then 16 upper-case letters or digits. */
export function awsAccessKeyDetector(): Detector {
  return prefixedTokenDetector({
    name: 'aws_access_key',
    prefixes: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
    body: (c) => isUpper(c) || isDigit(c),
    minBody: 16,
    maxBody: 16,
    trigger: LITERAL_TRIGGER,
  });
}
