import { LITERAL_TRIGGER } from './triggers.js';
import { isAlnum } from './chars.js';
import { prefixedTokenDetector } from './prefixed-token.js';
import type { Detector } from './types.js';

/** Google API keys: AIza then exactly 35 url-safe characters. */
export function googleApiKeyDetector(): Detector {
  return prefixedTokenDetector({
    name: 'google_api_key',
    prefixes: ['AIza'],
    body: (c) => isAlnum(c) || c === 45 || c === 95,
    minBody: 35,
    maxBody: 35,
    trigger: LITERAL_TRIGGER,
  });
}
