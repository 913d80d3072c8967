import { describe, expect, it } from 'vitest';
import { claimedUser } from './claimed-user.js';

const jwt = (claims: object): string => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('claimedUser', () => {
  it('is LOGIN7’s user name when there is one', () => {
    expect(claimedUser('carl', { kind: 'password', token: jwt({ sub: 'mallory' }) })).toBe('carl');
    expect(claimedUser('carl', { kind: 'fedauth', token: jwt({ sub: 'mallory' }) })).toBe('carl');
  });

  it('is the access token’s sub for a FEDAUTH login without a user name', () => {
    expect(claimedUser('', { kind: 'fedauth', token: jwt({ sub: 'fiona' }) })).toBe('fiona');
  });

  it('is empty when the token names nobody (the authenticator then refuses)', () => {
    expect(claimedUser('', { kind: 'fedauth', token: 'not-a-token' })).toBe('');
    expect(claimedUser('', { kind: 'fedauth', token: jwt({ sub: 42 }) })).toBe('');
    expect(claimedUser('', { kind: 'fedauth', token: 'a.%%%.c' })).toBe('');
    expect(claimedUser('', { kind: 'password', token: jwt({ sub: 'fiona' }) })).toBe('');
  });
});
