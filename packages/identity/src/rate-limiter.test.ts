import { describe, expect, it } from 'vitest';
import { AuthRateLimitedError, IdentityConfigError } from './errors.js';
import { createAuthRateLimiter } from './rate-limiter.js';

const attempt = (user: string, clientAddress = '203.0.113.7') => ({ user, clientAddress });

function limiterAt(start = 1_000_000, options: Parameters<typeof createAuthRateLimiter>[0] = {}) {
  const clock = { now: start };
  const limiter = createAuthRateLimiter({ now: () => clock.now, ...options });
  return { clock, limiter };
}

function retryAfter(run: () => void): number {
  try {
    run();
  } catch (error) {
    if (error instanceof AuthRateLimitedError) return error.retryAfterMs;
    throw error;
  }
  return 0;
}

describe('createAuthRateLimiter', () => {
  it('locks an address after N failures, whatever identities it tries, until the window passes', () => {
    const { clock, limiter } = limiterAt();
    for (let index = 0; index < 4; index += 1) {
      limiter.check(attempt(`user-${index}`));
      limiter.recordFailure(attempt(`user-${index}`));
    }
    expect(() => limiter.check(attempt('user-4'))).not.toThrow();
    limiter.recordFailure(attempt('user-4'));
    const error = (() => {
      try {
        limiter.check(attempt('someone-new'));
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AuthRateLimitedError);
    expect((error as AuthRateLimitedError).retryAfterMs).toBe(60_000);
    expect((error as AuthRateLimitedError).code).toBe('identity.rate_limited');
    // Another address trying an untouched identity is unaffected.
    expect(() => limiter.check(attempt('someone-new', '198.51.100.1'))).not.toThrow();
    clock.now += 59_999;
    expect(retryAfter(() => limiter.check(attempt('x')))).toBe(1);
    clock.now += 1;
    expect(() => limiter.check(attempt('x'))).not.toThrow();
  });

  it('locks an identity after N failures from many addresses', () => {
    const { limiter } = limiterAt();
    for (let index = 0; index < 5; index += 1) limiter.recordFailure(attempt('alice', `192.0.2.${index}`));
    expect(() => limiter.check(attempt('alice', '192.0.2.200'))).toThrow(AuthRateLimitedError);
    expect(() => limiter.check(attempt('bob', '192.0.2.200'))).not.toThrow();
  });

  it('counts failures per window: spread-out failures never lock', () => {
    const { clock, limiter } = limiterAt();
    for (let index = 0; index < 20; index += 1) {
      limiter.recordFailure(attempt('alice'));
      clock.now += 15_000;
      if (index % 4 === 3) clock.now += 1_000;
    }
    expect(() => limiter.check(attempt('alice'))).not.toThrow();
  });

  it('doubles the lockout on repeated lockouts, up to the cap, and forgets after a quiet spell', () => {
    const { clock, limiter } = limiterAt(0, { maxLockoutMs: 5 * 60_000 });
    const lockouts: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      for (let index = 0; index < 5; index += 1) limiter.recordFailure(attempt('alice'));
      const wait = retryAfter(() => limiter.check(attempt('alice')));
      lockouts.push(wait);
      clock.now += wait;
    }
    expect(lockouts).toEqual([60_000, 120_000, 240_000, 300_000, 300_000]);
    // Quiet for the cap: the backoff starts over.
    clock.now += 5 * 60_000;
    for (let index = 0; index < 5; index += 1) limiter.recordFailure(attempt('alice'));
    expect(retryAfter(() => limiter.check(attempt('alice')))).toBe(60_000);
  });

  it('a success clears the identity but not the address', () => {
    const { limiter } = limiterAt();
    for (let index = 0; index < 4; index += 1) limiter.recordFailure(attempt('alice'));
    limiter.recordSuccess(attempt('alice'));
    limiter.recordFailure(attempt('alice'));
    // alice's count restarted (1 failure); the address is at 5 and is locked.
    expect(() => limiter.check(attempt('alice', '198.51.100.9'))).not.toThrow();
    expect(() => limiter.check(attempt('carol'))).toThrow(AuthRateLimitedError);
  });

  it('failures that arrive during a lockout (concurrent attempts) do not extend it', () => {
    const { clock, limiter } = limiterAt();
    for (let index = 0; index < 5; index += 1) limiter.recordFailure(attempt('alice'));
    clock.now += 30_000;
    limiter.recordFailure(attempt('alice'));
    expect(retryAfter(() => limiter.check(attempt('alice')))).toBe(30_000);
  });

  it('tracks a bounded number of keys, keeping the ones under attack', () => {
    const { limiter } = limiterAt(0, { maxKeys: 100 });
    const address = (index: number) => `10.${index >> 16}.${(index >> 8) & 255}.${index & 255}`;
    for (let index = 0; index < 5; index += 1) limiter.recordFailure(attempt('alice', address(index)));
    // An attacker cycling 10,000 addresses and user names, still hammering alice now and then.
    for (let index = 0; index < 10_000; index += 1) {
      limiter.recordFailure(attempt(`u${index}`, address(index)));
      if (index % 10 === 0) expect(() => limiter.check(attempt('alice', address(index)))).toThrow(AuthRateLimitedError);
      expect(limiter.size).toBeLessThanOrEqual(100);
    }
    expect(() => limiter.check(attempt('alice', '192.0.2.1'))).toThrow(AuthRateLimitedError);
  });

  it('counts an IPv6 /64 as one address', () => {
    const { limiter } = limiterAt();
    for (let index = 0; index < 5; index += 1) limiter.recordFailure(attempt(`u${index}`, `2001:db8:1:2::${index + 1}`));
    expect(() => limiter.check(attempt('fresh', '2001:db8:1:2:ffff:ffff:ffff:ffff'))).toThrow(AuthRateLimitedError);
    expect(() => limiter.check(attempt('fresh', '2001:db8:1:3::1'))).not.toThrow();
  });

  it('rejects nonsense settings', () => {
    expect(() => createAuthRateLimiter({ maxFailures: 0 })).toThrow(IdentityConfigError);
    expect(() => createAuthRateLimiter({ windowMs: -1 })).toThrow(IdentityConfigError);
    expect(() => createAuthRateLimiter({ maxKeys: 1.5 })).toThrow(IdentityConfigError);
  });
});
