import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  IdentityConfigError,
  OidcUnavailableError,
  TokenAlgorithmError,
  TokenAudienceError,
  TokenClaimsError,
  TokenExpiredError,
  TokenIssuerError,
  TokenKeyNotFoundError,
  TokenMalformedError,
  TokenSignatureError,
} from './errors.js';
import { createOidcVerifier } from './oidc-verifier.js';
import type { OidcVerifierOptions } from './oidc-verifier.js';

/** A real identity provider on 127.0.0.1: discovery + JWKS over HTTP, with request counts. */
interface FakeIdp {
  readonly issuer: string;
  readonly hits: Record<string, number>;
  jwksStatus: number;
  discovery: Record<string, unknown> | undefined;
  keys: JWK[];
  close(): Promise<void>;
}

async function startIdp(): Promise<FakeIdp> {
  const hits: Record<string, number> = {};
  const idp: FakeIdp = {
    issuer: '',
    hits,
    jwksStatus: 200,
    discovery: undefined,
    keys: [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits[path] = (hits[path] ?? 0) + 1;
    if (path === '/.well-known/openid-configuration') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(idp.discovery ?? { issuer: idp.issuer, jwks_uri: `${idp.issuer}/jwks` }));
    } else if (path === '/jwks') {
      response.writeHead(idp.jwksStatus, { 'content-type': 'application/json' });
      response.end(idp.jwksStatus === 200 ? JSON.stringify({ keys: idp.keys }) : '{"error":"boom"}');
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (idp as { issuer: string }).issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return idp;
}

const NOW = Date.parse('2025-06-01T12:00:00Z');
const seconds = (ms: number) => Math.floor(ms / 1000);

describe('OIDC verifier against a local identity provider', () => {
  let idp: FakeIdp;
  let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
  let stranger: { privateKey: CryptoKey; publicKey: CryptoKey };

  beforeAll(async () => {
    idp = await startIdp();
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    stranger = await generateKeyPair('RS256');
  });
  beforeEach(async () => {
    idp.keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    idp.jwksStatus = 200;
    idp.discovery = undefined;
    for (const path of Object.keys(idp.hits)) delete idp.hits[path];
  });
  afterAll(async () => {
    await idp.close();
  });

  const verifier = (overrides: Partial<OidcVerifierOptions> = {}) =>
    createOidcVerifier({ issuer: idp.issuer, audience: 'gatehouse', now: () => NOW, ...overrides });

  const token = (claims: Record<string, unknown> = {}, options: { alg?: string; kid?: string; key?: CryptoKey; exp?: number | null; iss?: string; aud?: string } = {}) => {
    const jwt = new SignJWT({ groups: ['analysts'], email: 'alice@example.com', ...claims })
      .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'rsa-1' })
      .setSubject('alice')
      .setIssuer(options.iss ?? idp.issuer)
      .setAudience(options.aud ?? 'gatehouse')
      .setIssuedAt(seconds(NOW) - 10);
    if (options.exp !== null) jwt.setExpirationTime(options.exp ?? seconds(NOW) + 300);
    return jwt.sign(options.key ?? rsa.privateKey);
  };

  it('verifies an RS256 token found by discovery, and an ES256 token', async () => {
    const oidc = verifier();
    await expect(oidc.verify(await token())).resolves.toEqual({ id: 'alice', groups: ['analysts'], kind: 'human', via: 'oidc' });
    await expect(oidc.verify(await token({}, { alg: 'ES256', kid: 'ec-1', key: ec.privateKey }))).resolves.toMatchObject({ id: 'alice' });
    // Discovery and the key set are fetched once, then cached.
    await oidc.verify(await token());
    expect(idp.hits['/.well-known/openid-configuration']).toBe(1);
    expect(idp.hits['/jwks']).toBe(1);
  });

  it('reads user, nested groups, kind and attributes from the configured claims', async () => {
    const oidc = verifier({ userClaim: 'email', groupsClaim: 'realm_access.roles', kindClaim: 'gh_kind', attributeClaims: ['tenant', 'regions', 'missing'] });
    const principal = await oidc.verify(
      await token({ realm_access: { roles: ['dba', 'dba'] }, gh_kind: 'service', tenant: 'acme', regions: ['eu'], email_verified: true }),
    );
    expect(principal).toEqual({ id: 'alice@example.com', groups: ['dba'], kind: 'service', via: 'oidc', attributes: { tenant: 'acme', regions: ['eu'] } });
  });

  it('maps claims to attribute names (namespaced and nested claims), and checks the mapping at start', async () => {
    const oidc = verifier({ attributeClaims: { tenant: 'https://example.com/tenant', region: 'address.country' } });
    const principal = await oidc.verify(await token({ 'https://example.com/tenant': 'acme', address: { country: 'PT' } }));
    expect(principal.attributes).toEqual({ tenant: 'acme', region: 'PT' });
    expect(() => verifier({ attributeClaims: ['https://example.com/tenant'] })).toThrow(/map it to a usable name instead/);
    expect(() => verifier({ attributeClaims: { id: 'sub' } })).toThrow(/attribute name "id" is reserved/);
    expect(() => verifier({ attributeClaims: { tenant: '' } })).toThrow(IdentityConfigError);
  });

  it('refuses a token whose attribute claim is not a scalar or a list of scalars', async () => {
    const oidc = verifier({ attributeClaims: ['tenant'] });
    await expect(oidc.verify(await token({ tenant: { $ne: null } }))).rejects.toThrow(TokenClaimsError);
    await expect(oidc.verify(await token({ tenant: ['a', { b: 1 }] }))).rejects.toThrow(/claim "tenant" must be/);
  });

  it('uses the given jwksUri without discovery', async () => {
    await expect(verifier({ jwksUri: `${idp.issuer}/jwks` }).verify(await token())).resolves.toMatchObject({ id: 'alice' });
    expect(idp.hits['/.well-known/openid-configuration']).toBeUndefined();
  });

  it('refuses an unknown kid, refetching the key set at most once per cooldown', async () => {
    const oidc = verifier();
    await oidc.verify(await token());
    const forged = await token({}, { kid: 'nope', key: stranger.privateKey });
    await expect(oidc.verify(forged)).rejects.toBeInstanceOf(TokenKeyNotFoundError);
    await expect(oidc.verify(forged)).rejects.toBeInstanceOf(TokenKeyNotFoundError);
    expect(idp.hits['/jwks']).toBeLessThanOrEqual(2);
  });

  it('refuses a token signed by another key under a known kid', async () => {
    await expect(verifier().verify(await token({}, { key: stranger.privateKey }))).rejects.toBeInstanceOf(TokenSignatureError);
  });

  it('refuses the wrong audience, the wrong issuer, an expired token and a token without exp', async () => {
    const oidc = verifier();
    await expect(oidc.verify(await token({}, { aud: 'another-app' }))).rejects.toBeInstanceOf(TokenAudienceError);
    await expect(oidc.verify(await token({}, { iss: 'https://evil.example' }))).rejects.toBeInstanceOf(TokenIssuerError);
    const expired = await oidc.verify(await token({}, { exp: seconds(NOW) - 3600 })).catch((caught: unknown) => caught);
    expect(expired).toBeInstanceOf(TokenExpiredError);
    expect((expired as Error).message).toContain('2025-06-01T11:00:00.000Z');
    await expect(oidc.verify(await token({}, { exp: null }))).rejects.toBeInstanceOf(TokenClaimsError);
  });

  it("refuses alg none and HS256, whatever the token claims", async () => {
    const oidc = verifier();
    const none = new UnsecuredJWT({ groups: ['admins'] }).setSubject('alice').setIssuer(idp.issuer).setAudience('gatehouse').setExpirationTime(seconds(NOW) + 60).encode();
    await expect(oidc.verify(none)).rejects.toBeInstanceOf(TokenAlgorithmError);
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).setSubject('alice').setIssuer(idp.issuer).setAudience('gatehouse').setExpirationTime(seconds(NOW) + 60).sign(new TextEncoder().encode('x'.repeat(32)));
    await expect(oidc.verify(hs)).rejects.toBeInstanceOf(TokenAlgorithmError);
    await expect(oidc.verify('not.a.jwt')).rejects.toBeInstanceOf(TokenMalformedError);
  });

  it('refuses algorithms outside the configured list', async () => {
    const oidc = verifier({ algorithms: ['ES256'] });
    await expect(oidc.verify(await token())).rejects.toBeInstanceOf(TokenAlgorithmError);
    await expect(oidc.verify(await token({}, { alg: 'ES256', kid: 'ec-1', key: ec.privateKey }))).resolves.toMatchObject({ id: 'alice' });
  });

  it('refuses badly shaped claims and unverified email addresses', async () => {
    await expect(verifier().verify(await token({ groups: [1, 2] }))).rejects.toBeInstanceOf(TokenClaimsError);
    await expect(verifier({ userClaim: 'email' }).verify(await token({ email_verified: false }))).rejects.toThrow(/not verified/);
    await expect(verifier({ userClaim: 'preferred_username' }).verify(await token())).rejects.toThrow(/preferred_username/);
  });

  it('fails closed with OidcUnavailableError when the key set answers 500', async () => {
    idp.jwksStatus = 500;
    await expect(verifier().verify(await token())).rejects.toBeInstanceOf(OidcUnavailableError);
  });

  it('fails closed with OidcUnavailableError when the provider is down', async () => {
    const down = await startIdp();
    const issuer = down.issuer;
    await down.close();
    const oidc = createOidcVerifier({ issuer, audience: 'gatehouse', now: () => NOW });
    const signed = await token({}, { iss: issuer });
    const error = await oidc.verify(signed).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OidcUnavailableError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect((error as OidcUnavailableError).countsAsFailure).toBe(false);
    // Explicit jwksUri: the JWKS fetch itself fails.
    const direct = createOidcVerifier({ issuer, audience: 'gatehouse', jwksUri: `${issuer}/jwks`, now: () => NOW });
    await expect(direct.verify(signed)).rejects.toBeInstanceOf(OidcUnavailableError);
  });

  it('retries discovery only after a pause, so a dead IdP is not hammered', async () => {
    let now = NOW;
    idp.discovery = { issuer: 'https://someone-else.example', jwks_uri: `${idp.issuer}/jwks` };
    const oidc = createOidcVerifier({ issuer: idp.issuer, audience: 'gatehouse', now: () => now });
    await expect(oidc.verify(await token())).rejects.toThrow(/names issuer/);
    idp.discovery = undefined;
    await expect(oidc.verify(await token())).rejects.toThrow(/discovery failed recently/);
    expect(idp.hits['/.well-known/openid-configuration']).toBe(1);
    now += 6_000;
    await expect(oidc.verify(await token())).resolves.toMatchObject({ id: 'alice' });
  });

  it('refuses a discovery document that points the key set at plain http off loopback', async () => {
    idp.discovery = { issuer: idp.issuer, jwks_uri: 'http://keys.example.com/jwks' };
    await expect(verifier().verify(await token())).rejects.toThrow(/must use https/);
  });

  it('requires https for non-loopback issuers and JWKS URLs, and asymmetric algorithms only', () => {
    expect(() => createOidcVerifier({ issuer: 'http://idp.example.com', audience: 'a' })).toThrow(IdentityConfigError);
    expect(() => createOidcVerifier({ issuer: 'http://10.0.0.1', audience: 'a' })).toThrow(/https/);
    expect(() => createOidcVerifier({ issuer: 'https://idp.example.com', audience: 'a', jwksUri: 'http://idp.example.com/jwks' })).toThrow(/https/);
    expect(() => createOidcVerifier({ issuer: 'https://idp.example.com', audience: 'a' })).not.toThrow();
    expect(() => createOidcVerifier({ issuer: 'http://localhost:8080', audience: 'a' })).not.toThrow();
    expect(() => createOidcVerifier({ issuer: 'http://[::1]:8080', audience: 'a' })).not.toThrow();
    expect(() => createOidcVerifier({ issuer: 'https://idp.example.com', audience: 'a', algorithms: ['HS256'] })).toThrow(/not allowed/);
    expect(() => createOidcVerifier({ issuer: 'https://idp.example.com', audience: 'a', algorithms: ['none'] })).toThrow(/not allowed/);
    expect(() => createOidcVerifier({ issuer: 'not a url', audience: 'a' })).toThrow(IdentityConfigError);
  });
});
