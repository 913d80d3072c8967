import { LITERAL_TRIGGER } from './triggers.js';
import { isWordChar } from './chars.js';
import { prefixedTokenDetector } from './prefixed-token.js';
import type { Detector } from './types.js';

/** GitLab personal access tokens: glpat- then 20+ url-safe characters. */
export function gitlabTokenDetector(): Detector {
  return prefixedTokenDetector({
    name: 'gitlab_token',
    prefixes: ['glpat-'],
    body: (c) => isWordChar(c) || c === 45,
    minBody: 20,
    maxBody: 64,
    trigger: LITERAL_TRIGGER,
  });
}
