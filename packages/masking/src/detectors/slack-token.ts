import { LITERAL_TRIGGER } from './triggers.js';
import { isAlnum, isDigit } from './chars.js';
import { prefixedTokenDetector } from './prefixed-token.js';
import type { Detector } from './types.js';

/** Slack tokens xox[baprs]-…; the body must contain digits (real tokens embed numeric ids). */
export function slackTokenDetector(): Detector {
  return prefixedTokenDetector({
    name: 'slack_token',
    prefixes: ['xoxb-', 'xoxa-', 'xoxp-', 'xoxr-', 'xoxs-'],
    body: (c) => isAlnum(c) || c === 45,
    minBody: 10,
    maxBody: 250,
    trigger: LITERAL_TRIGGER,
    validate: hasDigit,
  });
}

function hasDigit(token: string): boolean {
  for (let i = 5; i < token.length; i++) if (isDigit(token.charCodeAt(i))) return true;
  return false;
}
