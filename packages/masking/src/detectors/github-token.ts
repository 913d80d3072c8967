import { LITERAL_TRIGGER } from './triggers.js';
import { isAlnum, isWordChar } from './chars.js';
import { prefixedTokenDetector } from './prefixed-token.js';
import type { Detector } from './types.js';

const CLASSIC = prefixedTokenDetector({
  name: 'github_token',
  prefixes: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
  body: isAlnum,
  minBody: 36,
  maxBody: 251,
});

const FINE_GRAINED = prefixedTokenDetector({
  name: 'github_token',
  prefixes: ['github_pat_'],
  body: isWordChar,
  minBody: 22,
  maxBody: 244,
});

/** GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens; fine-grained PATs. */
export function githubTokenDetector(): Detector {
  return {
    name: 'github_token',
    optIn: false,
    trigger: LITERAL_TRIGGER,
    find(text, out) {
      if (text.indexOf('_') < 0) return;
      CLASSIC.find(text, out);
      FINE_GRAINED.find(text, out);
    },
  };
}
