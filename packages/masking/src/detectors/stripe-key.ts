import { LITERAL_TRIGGER } from './triggers.js';
import { isAlnum } from './chars.js';
import { prefixedTokenDetector } from './prefixed-token.js';
import type { Detector } from './types.js';

/** Stripe secret and restricted keys, live and test. Publishable keys (pk_) are public by design. */
export function stripeKeyDetector(): Detector {
  return prefixedTokenDetector({
    name: 'stripe_key',
    prefixes: ['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_'],
    body: isAlnum,
    minBody: 16,
    maxBody: 247,
    trigger: LITERAL_TRIGGER,
  });
}
