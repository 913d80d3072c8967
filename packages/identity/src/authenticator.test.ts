import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '@gatehouse/core';
import { AgentTokenStore } from './agent-token-store.js';
import { createAuthenticator } from './authenticator.js';
import type { AuthenticatorOptions } from './authenticator.js';
import {
  AuthRateLimitedError,
  CredentialNotAcceptedError,
  IdentityConfigError,
  IdentityError,
  IdentityMismatchError,
  OidcUnavailableError,
  TokenIssuerError,
  TokenMalformedError,
  TokenSignatureError,
  UnknownAgentTokenError,
} from './errors.js';
import { createGatewayTokenVerifier, issueGatewayToken } from './gateway-token.js';
import type { GatewayTokenVerifier } from './gateway-token.js';
import { createOidcVerifier } from './oidc-verifier.js';
import { createAuthRateLimiter } from './rate-limiter.js';
import { loadOrCreateSigningKey } from './signing-key.js';
import type { SigningKey } from './signing-key.js';

const ADDRESS = '203.0.113.7';

describe('createAuthenticator', () => {
  let directory: string;
  let key: SigningKey;
  let otherKey: SigningKey;
  let store: AgentTokenStore;
  let server: Server;
  let issuer: string;
  let idpKey: CryptoKey;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gh-auth-'));
    key = await loadOrCreateSigningKey(join(directory, 'gateway.key'));
    otherKey = await loadOrCreateSigningKey(join(directory, 'other.key'));
    store = new AgentTokenStore({ path: join(directory, 'agent-tokens.json') });
    const pair = await generateKeyPair('ES256');
    idpKey = pair.privateKey;
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] });
    server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });

  const build = (overrides: Partial<AuthenticatorOptions> = {}) => {
    const rateLimiter = createAuthRateLimiter();
    const authenticator = createAuthenticator({
      gatewayKey: key,
      oidc: createOidcVerifier({ issuer, audience: 'gatehouse', jwksUri: `${issuer}/jwks`, userClaim: 'email' }),
      agentStore: store,
      rateLimiter,
      ...overrides,
    });
    return { authenticator, rateLimiter };
  };
  const gatewayToken = (user: string, signer = key) => issueGatewayToken(signer, { user, groups: ['analysts'], kind: 'human', ttl: '1h' });
  const oidcToken = (email: string, iss = issuer) =>
    new SignJWT({ email, groups: ['sso-users'] }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('idp-123').setIssuer(iss).setAudience('gatehouse').setIssuedAt().setExpirationTime('5m').sign(idpKey);

  it('accepts a gateway token when the user matches its subject', async () => {
    const { authenticator } = build();
    const principal = await authenticator.authenticate({ user: 'alice', credential: await gatewayToken('alice'), clientAddress: ADDRESS });
    expect(principal).toEqual({ id: 'alice', groups: ['analysts'], kind: 'human', via: 'gateway-token' });
  });

  it('refuses psql -U alice with bob\'s token', async () => {
    const { authenticator } = build();
    const error = await authenticator.authenticate({ user: 'alice', credential: await gatewayToken('bob'), clientAddress: ADDRESS }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IdentityMismatchError);
    expect((error as IdentityMismatchError).code).toBe('identity.mismatch');
    expect((error as Error).message).toContain('"alice"');
    expect((error as Error).message).toContain('"bob"');
  });

  it('routes agent tokens to the store', async () => {
    const { authenticator } = build();
    const { token } = await store.create({ principalId: 'etl-bot', groups: ['etl'] });
    await expect(authenticator.authenticate({ user: 'etl-bot', credential: token, clientAddress: ADDRESS })).resolves.toMatchObject({ id: 'etl-bot', via: 'agent-token', kind: 'agent' });
    await expect(authenticator.authenticate({ user: 'alice', credential: token, clientAddress: ADDRESS })).rejects.toBeInstanceOf(IdentityMismatchError);
  });

  it('routes other JWTs to the OIDC verifier by issuer', async () => {
    const { authenticator } = build();
    await expect(authenticator.authenticate({ user: 'carol@example.com', credential: await oidcToken('carol@example.com'), clientAddress: ADDRESS })).resolves.toEqual({
      id: 'carol@example.com',
      groups: ['sso-users'],
      kind: 'human',
      via: 'oidc',
    });
    await expect(authenticator.authenticate({ user: 'carol@example.com', credential: await oidcToken('carol@example.com', 'https://unknown.example'), clientAddress: ADDRESS })).rejects.toThrow(
      TokenIssuerError,
    );
  });

  it('refuses what it cannot verify, with errors that never contain the token', async () => {
    const { authenticator } = build({ agentStore: undefined });
    const { token: agentToken } = await store.create({ principalId: 'x' });
    const noIss = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA' }).setSubject('alice').sign(key.privateKey);
    const cases: [string, new (...args: never[]) => IdentityError][] = [
      ['', TokenMalformedError],
      ['hunter2', TokenMalformedError],
      ['a.b.c', TokenMalformedError],
      ['x'.repeat(20_000), TokenMalformedError],
      [agentToken, CredentialNotAcceptedError],
      [noIss, TokenIssuerError],
      [await gatewayToken('alice', otherKey), TokenSignatureError],
    ];
    for (const [index, [credential, type]] of cases.entries()) {
      // A fresh user and address per case, so the limiter stays out of the way.
      const error = await authenticator.authenticate({ user: `alice-${index}`, credential, clientAddress: `198.51.100.${index}` }).catch((caught: unknown) => caught);
      expect(error, credential.slice(0, 20)).toBeInstanceOf(type);
      if (credential.length > 0) expect((error as Error).message).not.toContain(credential);
    }
    const unknown = await build().authenticator.authenticate({ user: 'x', credential: `gh_agt_${'0'.repeat(16)}_${'a'.repeat(43)}`, clientAddress: ADDRESS }).catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(UnknownAgentTokenError);
  });

  it('refuses JWTs when no JWT verifier is configured', async () => {
    const { authenticator } = build({ gatewayKey: undefined, oidc: undefined });
    await expect(authenticator.authenticate({ user: 'alice', credential: await gatewayToken('alice'), clientAddress: ADDRESS })).rejects.toBeInstanceOf(CredentialNotAcceptedError);
  });

  it('checks the limiter before verifying: a locked-out client costs no crypto', async () => {
    let verifications = 0;
    const real = createGatewayTokenVerifier({ publicKey: key.publicKey });
    const counting: GatewayTokenVerifier = {
      issuer: real.issuer,
      verify: (token) => {
        verifications += 1;
        return real.verify(token);
      },
    };
    const { authenticator } = build({ gatewayKey: counting });
    const stolen = await gatewayToken('bob');
    for (let index = 0; index < 5; index += 1) {
      await expect(authenticator.authenticate({ user: 'alice', credential: stolen, clientAddress: ADDRESS })).rejects.toBeInstanceOf(IdentityMismatchError);
    }
    expect(verifications).toBe(5);
    const good = await gatewayToken('alice');
    const error = await authenticator.authenticate({ user: 'alice', credential: good, clientAddress: ADDRESS }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthRateLimitedError);
    expect((error as AuthRateLimitedError).retryAfterMs).toBeGreaterThan(0);
    expect(verifications).toBe(5);
    // The identity is locked too, from any address.
    await expect(authenticator.authenticate({ user: 'alice', credential: good, clientAddress: '192.0.2.99' })).rejects.toBeInstanceOf(AuthRateLimitedError);
    // Other identities from other addresses are not.
    await expect(authenticator.authenticate({ user: 'bob', credential: stolen, clientAddress: '192.0.2.99' })).resolves.toMatchObject({ id: 'bob' });
  });

  it('does not count an identity-provider outage as a client failure', async () => {
    const { authenticator } = build({ oidc: createOidcVerifier({ issuer, audience: 'gatehouse', jwksUri: 'http://127.0.0.1:1/jwks', userClaim: 'email' }) });
    const credential = await oidcToken('carol@example.com');
    for (let index = 0; index < 8; index += 1) {
      await expect(authenticator.authenticate({ user: 'carol@example.com', credential, clientAddress: ADDRESS })).rejects.toBeInstanceOf(OidcUnavailableError);
    }
  });

  it('a success resets the identity counter', async () => {
    const { authenticator } = build();
    const good = await gatewayToken('alice');
    for (let round = 0; round < 3; round += 1) {
      for (let index = 0; index < 4; index += 1) {
        await expect(authenticator.authenticate({ user: 'alice', credential: 'garbage', clientAddress: `192.0.2.${round * 10 + index}` })).rejects.toBeInstanceOf(TokenMalformedError);
      }
      const principal: Principal = await authenticator.authenticate({ user: 'alice', credential: good, clientAddress: `192.0.2.${100 + round}` });
      expect(principal.id).toBe('alice');
    }
  });

  it('refuses a configuration where the gateway issuer is also an OIDC issuer', () => {
    const clash = createOidcVerifier({ issuer: 'https://gatehouse.example', audience: 'a' });
    expect(() =>
      createAuthenticator({
        gatewayKey: createGatewayTokenVerifier({ publicKey: key.publicKey, issuer: 'https://gatehouse.example' }),
        oidc: [clash],
        rateLimiter: createAuthRateLimiter(),
      }),
    ).toThrow(IdentityConfigError);
  });
});
