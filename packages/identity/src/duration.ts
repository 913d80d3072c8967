import { IdentityConfigError } from './errors.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };
const PART = /(\d+)([smhd])/g;
const WHOLE = /^(?:\d+[smhd])+$/;

/** A lifetime: whole seconds, or a string such as `'90s'`, `'15m'`, `'8h'`, `'1h30m'`, `'7d'`. */
export type Ttl = number | string;

/** Converts a TTL to whole seconds; rejects zero, negatives, fractions and unknown units. */
export function ttlToSeconds(ttl: Ttl): number {
  if (typeof ttl === 'number') {
    if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new IdentityConfigError(`ttl must be a positive whole number of seconds, got ${ttl}`);
    return ttl;
  }
  const text = ttl.trim();
  if (!WHOLE.test(text)) throw new IdentityConfigError(`ttl "${ttl}" is not a duration; use e.g. "15m", "8h", "1h30m" or a number of seconds`);
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(PART)) seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  if (seconds <= 0 || !Number.isSafeInteger(seconds)) throw new IdentityConfigError(`ttl "${ttl}" must be longer than zero`);
  return seconds;
}
