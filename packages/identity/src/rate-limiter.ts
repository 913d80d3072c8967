import { LRUCache } from 'lru-cache';
import { clientAddressKey } from './client-address.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { AuthRateLimitedError, IdentityConfigError } from './errors.js';

export interface AuthRateLimiterOptions {
  /** Failures allowed per key within `windowMs` before the key is locked. Default 5. */
  readonly maxFailures?: number;
  /** Counting window, and the first lockout's length. Default 60 s. */
  readonly windowMs?: number;
  /** Each further lockout doubles, up to this. Default 15 min. */
  readonly maxLockoutMs?: number;
  /** Most keys tracked at once; the least recently seen are forgotten first. Default 10,000. */
  readonly maxKeys?: number;
  /** IPv6 addresses count per prefix of this length. Default 64. */
  readonly ipv6PrefixBits?: number;
  readonly now?: Clock;
}

/** Who is trying: both the address and the claimed identity are counted. */
export interface AuthAttempt {
  readonly clientAddress: string;
  readonly user: string;
}

export interface AuthRateLimiter {
  /** Throws AuthRateLimitedError when the address or the identity is locked. Call before any crypto. */
  check(attempt: AuthAttempt): void;
  recordFailure(attempt: AuthAttempt): void;
  /** Clears the identity's failures; the address keeps its count (it may be guessing other users). */
  recordSuccess(attempt: AuthAttempt): void;
  /** Keys currently tracked (bounded by maxKeys). */
  readonly size: number;
}

interface KeyState {
  failures: number;
  windowStart: number;
  lockedUntil: number;
  /** Consecutive lockouts, for the backoff; forgotten after a quiet `maxLockoutMs` past the last one. */
  lockouts: number;
}

/** Identities are client-chosen strings; cap the part used as a key so one key stays small. */
const MAX_IDENTITY_KEY_LENGTH = 256;

/**
 * Failed-authentication limiter. After `maxFailures` failures within `windowMs`, a key (address or
 * identity) is locked for `windowMs`; each further lockout doubles the lock up to `maxLockoutMs`.
 * Memory is bounded by an LRU of `maxKeys` entries: an attacker cycling addresses evicts idle keys,
 * while the keys under attack stay recent because every attempt touches them.
 */
export function createAuthRateLimiter(options: AuthRateLimiterOptions = {}): AuthRateLimiter {
  const maxFailures = positiveInteger(options.maxFailures ?? 5, 'maxFailures');
  const windowMs = positiveInteger(options.windowMs ?? 60_000, 'windowMs');
  const maxLockoutMs = Math.max(windowMs, positiveInteger(options.maxLockoutMs ?? 15 * 60_000, 'maxLockoutMs'));
  const clock = options.now ?? systemClock;
  const states = new LRUCache<string, KeyState>({ max: positiveInteger(options.maxKeys ?? 10_000, 'maxKeys') });

  const keysOf = (attempt: AuthAttempt): [string, string] => [
    `addr:${clientAddressKey(attempt.clientAddress, options.ipv6PrefixBits)}`,
    `user:${attempt.user.slice(0, MAX_IDENTITY_KEY_LENGTH)}`,
  ];

  /** A state that no longer affects anything is dropped rather than carried around. */
  const live = (key: string, now: number): KeyState | undefined => {
    const state = states.get(key);
    if (state === undefined) return undefined;
    const windowOver = now - state.windowStart >= windowMs || state.failures === 0;
    const historyOver = state.lockouts === 0 || now - state.lockedUntil >= maxLockoutMs;
    if (now >= state.lockedUntil && windowOver && historyOver) {
      states.delete(key);
      return undefined;
    }
    return state;
  };

  const fail = (key: string, now: number): void => {
    const state = live(key, now) ?? { failures: 0, windowStart: now, lockedUntil: 0, lockouts: 0 };
    // Attempts let through just before the lock (concurrent logins) must not extend it.
    if (now < state.lockedUntil) return;
    if (state.lockouts > 0 && now - state.lockedUntil >= maxLockoutMs) state.lockouts = 0;
    if (now - state.windowStart >= windowMs) {
      state.failures = 0;
      state.windowStart = now;
    }
    state.failures += 1;
    if (state.failures >= maxFailures) {
      state.lockouts += 1;
      state.lockedUntil = now + Math.min(windowMs * 2 ** (state.lockouts - 1), maxLockoutMs);
      state.failures = 0;
      state.windowStart = state.lockedUntil;
    }
    states.set(key, state);
  };

  return {
    check(attempt) {
      const now = clock();
      let retryAfterMs = 0;
      for (const key of keysOf(attempt)) {
        const state = live(key, now);
        if (state !== undefined && state.lockedUntil > now) retryAfterMs = Math.max(retryAfterMs, state.lockedUntil - now);
      }
      if (retryAfterMs > 0) throw new AuthRateLimitedError(retryAfterMs);
    },
    recordFailure(attempt) {
      const now = clock();
      for (const key of keysOf(attempt)) fail(key, now);
    },
    recordSuccess(attempt) {
      states.delete(keysOf(attempt)[1]);
    },
    get size() {
      return states.size;
    },
  };
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new IdentityConfigError(`rate limiter ${name} must be a positive whole number, got ${value}`);
  return value;
}
