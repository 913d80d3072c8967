import { mkdtemp, rm } from 'node:fs/promises';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IdentityConfigError,
  TokenAudienceError,
  TokenClaimsError,
  TokenExpiredError,
  TokenIssuerError,
  TokenMalformedError,
  TokenNotYetValidError,
  TokenSignatureError,
} from './errors.js';
import { createGatewayTokenVerifier, issueGatewayToken } from './gateway-token.js';
import { loadOrCreateSigningKey } from './signing-key.js';
import type { SigningKey } from './signing-key.js';

const T0 = Date.parse('2025-06-01T12:00:00Z');

describe('gateway tokens', () => {
  let directory: string;
  let key: SigningKey;
  let otherKey: SigningKey;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gh-gw-'));
    key = await loadOrCreateSigningKey(join(directory, 'a.key'));
    otherKey = await loadOrCreateSigningKey(join(directory, 'b.key'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const verifierAt = (now: number, overrides: { issuer?: string; audience?: string } = {}) =>
    createGatewayTokenVerifier({ publicKey: key.publicKey, now: () => now, ...overrides });

  it('round-trips: issue then verify gives the principal', async () => {
    const token = await issueGatewayToken(key, {
      user: 'alice',
      groups: ['analysts', 'oncall'],
      kind: 'human',
      ttl: '8h',
      attributes: { tenant: 'acme', regions: ['eu', 'us'] },
      now: () => T0,
    });
    const principal = await verifierAt(T0 + 60_000).verify(token);
    expect(principal).toEqual({
      id: 'alice',
      groups: ['analysts', 'oncall'],
      kind: 'human',
      via: 'gateway-token',
      attributes: { tenant: 'acme', regions: ['eu', 'us'] },
    });
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'EdDSA', kid: key.keyId });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: 'alice', iss: 'gatehouse', aud: 'gatehouse', kind: 'human', iat: T0 / 1000, exp: T0 / 1000 + 8 * 3600 });
    expect(typeof claims.jti).toBe('string');
    expect(decodeJwt(await issueGatewayToken(key, { user: 'alice', kind: 'human', ttl: 60, now: () => T0 })).jti).not.toBe(claims.jti);
  });

  it('carries typed attributes and refuses ones policy could not use, when issuing and when verifying', async () => {
    const token = await issueGatewayToken(key, { user: 'sam', kind: 'human', ttl: 60, attributes: { level: 3, vip: true, tenants: ['t1'] }, now: () => T0 });
    await expect(verifierAt(T0).verify(token)).resolves.toMatchObject({ attributes: { level: 3, vip: true, tenants: ['t1'] } });
    await expect(issueGatewayToken(key, { user: 'sam', kind: 'human', ttl: 60, attributes: { groups: 'dba' } })).rejects.toThrow(IdentityConfigError);
    await expect(issueGatewayToken(key, { user: 'sam', kind: 'human', ttl: 60, attributes: { region: 'x'.repeat(300) } })).rejects.toThrow(/longer than 256/);
    // A token signed with our key but carrying an attribute of the wrong shape is still refused.
    const forged = await new SignJWT({ kind: 'human', attrs: { region: { $ne: null } } })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.keyId })
      .setSubject('sam').setIssuer('gatehouse').setAudience('gatehouse').setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 60).setJti('j')
      .sign(key.privateKey);
    await expect(verifierAt(T0).verify(forged)).rejects.toThrow(TokenClaimsError);
  });

  it('accepts numeric ttl seconds and leaves attributes out when none are given', async () => {
    const token = await issueGatewayToken(key, { user: 'bot-7', kind: 'agent', ttl: 90, now: () => T0 });
    expect(decodeJwt(token).exp).toBe(T0 / 1000 + 90);
    const principal = await verifierAt(T0).verify(token);
    expect(principal).toEqual({ id: 'bot-7', groups: [], kind: 'agent', via: 'gateway-token' });
  });

  it('refuses an expired token, saying when and how to get a new one, within a 30 s tolerance', async () => {
    const token = await issueGatewayToken(key, { user: 'alice', kind: 'human', ttl: '1m', now: () => T0 });
    await expect(verifierAt(T0 + 60_000 + 29_000).verify(token)).resolves.toMatchObject({ id: 'alice' });
    const error = await verifierAt(T0 + 60_000 + 31_000).verify(token).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenExpiredError);
    expect((error as TokenExpiredError).code).toBe('identity.token_expired');
    expect((error as TokenExpiredError).expiredAt?.toISOString()).toBe('2025-06-01T12:01:00.000Z');
    expect((error as Error).message).toContain('2025-06-01T12:01:00.000Z');
    expect((error as Error).message).toContain('gatehouse token issue');
    expect((error as Error).message).not.toContain(token);
  });

  it('refuses a token from the future (nbf beyond the tolerance)', async () => {
    const token = await issueGatewayToken(key, { user: 'alice', kind: 'human', ttl: '1h', now: () => T0 + 120_000 });
    await expect(verifierAt(T0).verify(token)).rejects.toBeInstanceOf(TokenNotYetValidError);
  });

  it('refuses the wrong audience and the wrong issuer', async () => {
    const forOther = await issueGatewayToken(key, { user: 'alice', kind: 'human', ttl: '1h', audience: 'other-service', now: () => T0 });
    await expect(verifierAt(T0).verify(forOther)).rejects.toBeInstanceOf(TokenAudienceError);
    const fromOther = await issueGatewayToken(key, { user: 'alice', kind: 'human', ttl: '1h', issuer: 'someone-else', now: () => T0 });
    await expect(verifierAt(T0).verify(fromOther)).rejects.toBeInstanceOf(TokenIssuerError);
  });

  it('refuses a token signed by another key', async () => {
    const token = await issueGatewayToken(otherKey, { user: 'alice', kind: 'human', ttl: '1h', now: () => T0 });
    const error = await verifierAt(T0).verify(token).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenSignatureError);
    expect((error as TokenSignatureError).code).toBe('identity.token_signature');
  });

  it('refuses a tampered payload (bob rewritten to admin groups)', async () => {
    const token = await issueGatewayToken(key, { user: 'bob', groups: ['readers'], kind: 'human', ttl: '1h', now: () => T0 });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims['groups'] = ['admins'];
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    await expect(verifierAt(T0).verify(forged)).rejects.toBeInstanceOf(TokenSignatureError);
  });

  it('refuses malformed strings', async () => {
    const verifier = verifierAt(T0);
    for (const junk of ['', 'abc', 'a.b', 'a.b.c', '....', 'eyJ.eyJ.sig', 'x'.repeat(50)]) {
      await expect(verifier.verify(junk), junk).rejects.toBeInstanceOf(TokenMalformedError);
    }
  });

  it('refuses an HS256 token even when its secret is the public key bytes (algorithm confusion)', async () => {
    const secret = key.publicKey.export({ format: 'der', type: 'spki' });
    const token = await new SignJWT({ groups: [], kind: 'human' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice').setIssuer('gatehouse').setAudience('gatehouse').setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 60).setJti('x')
      .sign(new Uint8Array(secret));
    await expect(verifierAt(T0).verify(token)).rejects.toThrow(/algorithm not accepted/);
  });

  it('refuses a correctly signed token whose claims are not a gateway token (no jti, bad kind)', async () => {
    const base = () => new SignJWT({ groups: [], kind: 'human' }).setProtectedHeader({ alg: 'EdDSA' }).setSubject('alice').setIssuer('gatehouse').setAudience('gatehouse').setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 60);
    await expect(verifierAt(T0).verify(await base().sign(key.privateKey))).rejects.toBeInstanceOf(TokenClaimsError);
    const badKind = await new SignJWT({ groups: [], kind: 'root' }).setProtectedHeader({ alg: 'EdDSA' }).setSubject('alice').setIssuer('gatehouse').setAudience('gatehouse').setIssuedAt(T0 / 1000).setExpirationTime(T0 / 1000 + 60).setJti('j').sign(key.privateKey);
    await expect(verifierAt(T0).verify(badKind)).rejects.toThrow(/kind/);
  });

  it('rejects bad issuing input as configuration errors', async () => {
    await expect(issueGatewayToken(key, { user: '', kind: 'human', ttl: '1h' })).rejects.toBeInstanceOf(IdentityConfigError);
    await expect(issueGatewayToken(key, { user: 'a', kind: 'human', ttl: '0s' })).rejects.toBeInstanceOf(IdentityConfigError);
    await expect(issueGatewayToken(key, { user: 'a', kind: 'root' as 'human', ttl: '1h' })).rejects.toBeInstanceOf(IdentityConfigError);
    await expect(issueGatewayToken(key, { user: 'a\nb', kind: 'human', ttl: '1h' })).rejects.toThrow(/control characters/);
  });

  it('needs the Ed25519 public key to build a verifier', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => createGatewayTokenVerifier({ publicKey })).toThrow(IdentityConfigError);
    expect(() => createGatewayTokenVerifier({ publicKey: key.privateKey })).toThrow(IdentityConfigError);
  });
});
