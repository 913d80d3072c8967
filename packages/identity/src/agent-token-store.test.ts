import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_TOKEN_PREFIX, agentSecretMatches, hashAgentSecret, parseAgentToken } from './agent-token-format.js';
import { AgentTokenStore } from './agent-token-store.js';
import {
  AgentTokenStoreError,
  IdentityConfigError,
  TokenExpiredError,
  TokenMalformedError,
  TokenRevokedError,
  UnknownAgentTokenError,
} from './errors.js';

const T0 = Date.parse('2025-06-01T12:00:00Z');

describe('AgentTokenStore', () => {
  let directory: string;
  let path: string;
  let now: number;
  let store: AgentTokenStore;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gh-agt-'));
    path = join(directory, 'state', 'agent-tokens.json');
    now = T0;
    store = new AgentTokenStore({ path, now: () => now });
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('creates a token, returns the plaintext once, and verifies it to its principal', async () => {
    const { token, info } = await store.create({ principalId: 'etl-bot', groups: ['etl'], attributes: { tenant: 'acme' }, description: 'nightly load' });
    expect(token).toMatch(/^gh_agt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({ principalId: 'etl-bot', groups: ['etl'], kind: 'agent', createdAt: '2025-06-01T12:00:00.000Z', description: 'nightly load' });
    expect(info).not.toHaveProperty('secretSha256');
    await expect(store.verify(token)).resolves.toEqual({ id: 'etl-bot', groups: ['etl'], kind: 'agent', via: 'agent-token', attributes: { tenant: 'acme' } });
  });

  it('checks attributes when creating: typed values kept, unusable names and shapes refused', async () => {
    const { token } = await store.create({ principalId: 'bot', attributes: { tenants: ['t1', 't2'], level: 2 } });
    await expect(store.verify(token)).resolves.toMatchObject({ attributes: { tenants: ['t1', 't2'], level: 2 } });
    await expect(store.create({ principalId: 'bot', attributes: { kind: 'human' } })).rejects.toThrow(/attribute name "kind" is reserved/);
    await expect(store.create({ principalId: 'bot', attributes: { 'a b': 'x' } })).rejects.toThrow(/cannot create an agent token: attribute name "a b" is invalid/);
  });

  it('keeps only the hash on disk, in a 0600 file, written without leftovers', async () => {
    const { token, info } = await store.create({ principalId: 'svc', kind: 'service' });
    const { secret } = parseAgentToken(token);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(token);
    expect(text).toContain(hashAgentSecret(secret));
    expect(JSON.parse(text)).toMatchObject({ version: 1, tokens: [{ id: info.id, principalId: 'svc', kind: 'service' }] });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(directory, 'state'))).toEqual(['agent-tokens.json']);
  });

  it('refuses a wrong secret and an unknown id with the same error', async () => {
    const { token } = await store.create({ principalId: 'bot' });
    const { id, secret } = parseAgentToken(token);
    const otherSecret = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const wrongSecret = await store.verify(`${AGENT_TOKEN_PREFIX}${id}_${otherSecret}`).catch((caught: unknown) => caught);
    const unknownId = await store.verify(`${AGENT_TOKEN_PREFIX}${'0'.repeat(16)}_${secret}`).catch((caught: unknown) => caught);
    expect(wrongSecret).toBeInstanceOf(UnknownAgentTokenError);
    expect(unknownId).toBeInstanceOf(UnknownAgentTokenError);
    expect((wrongSecret as Error).message).toBe((unknownId as Error).message);
    expect((wrongSecret as Error).message).not.toContain(secret);
  });

  it('refuses malformed agent tokens', async () => {
    for (const bad of ['gh_agt_', 'gh_agt_xyz_abc', `gh_agt_${'0'.repeat(16)}_short`, `gh_agt_${'0'.repeat(16)}_${'a'.repeat(43)}!`]) {
      await expect(store.verify(bad), bad).rejects.toBeInstanceOf(TokenMalformedError);
    }
  });

  it('revokes: the holder is told it was revoked, list shows it, revoking twice is a no-op', async () => {
    const { token, info } = await store.create({ principalId: 'bot' });
    now += 1000;
    expect(await store.revoke(info.id)).toBe(true);
    expect(await store.revoke(info.id)).toBe(false);
    expect(await store.revoke('ffffffffffffffff')).toBe(false);
    const error = await store.verify(token).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenRevokedError);
    expect((error as Error).message).toContain('2025-06-01T12:00:01.000Z');
    expect(await store.list()).toEqual([expect.objectContaining({ id: info.id, revokedAt: '2025-06-01T12:00:01.000Z' })]);
  });

  it('expires tokens created with a ttl, telling how to get a new one', async () => {
    const { token, info } = await store.create({ principalId: 'bot', ttl: '1h' });
    expect(info.expiresAt).toBe('2025-06-01T13:00:00.000Z');
    now += 3_599_000;
    await expect(store.verify(token)).resolves.toMatchObject({ id: 'bot' });
    now += 1_000;
    await expect(store.verify(token)).rejects.toThrow(TokenExpiredError);
    await expect(store.verify(token)).rejects.toThrow(/gatehouse token create/);
  });

  it('sees tokens created and revoked by another process (another store on the same file)', async () => {
    const other = new AgentTokenStore({ path, now: () => now });
    const { token, info } = await other.create({ principalId: 'bot' });
    await expect(store.verify(token)).resolves.toMatchObject({ id: 'bot' });
    await other.revoke(info.id);
    await expect(store.verify(token)).rejects.toBeInstanceOf(TokenRevokedError);
    const second = await store.create({ principalId: 'bot-2' });
    expect((await other.list()).map((entry) => entry.principalId)).toEqual(['bot', 'bot-2']);
    await expect(other.verify(second.token)).resolves.toMatchObject({ id: 'bot-2' });
  });

  it('serialises concurrent creates so none is lost', async () => {
    const created = await Promise.all(Array.from({ length: 10 }, (_, index) => store.create({ principalId: `bot-${index}` })));
    expect(await store.list()).toHaveLength(10);
    for (const { token } of created) await expect(store.verify(token)).resolves.toBeDefined();
  });

  it('fails closed on a damaged file', async () => {
    const { token } = await store.create({ principalId: 'bot' });
    await writeFile(path, '{"version":1,"tokens":[{"id":"nope"}]}');
    await expect(store.verify(token)).rejects.toBeInstanceOf(AgentTokenStoreError);
    await writeFile(path, 'not json');
    await expect(store.list()).rejects.toThrow(/damaged: not JSON/);
  });

  it('refuses bad create input as configuration errors', async () => {
    await expect(store.create({ principalId: '' })).rejects.toBeInstanceOf(IdentityConfigError);
    await expect(store.create({ principalId: 'x', ttl: '-1h' })).rejects.toBeInstanceOf(IdentityConfigError);
    await expect(store.create({ principalId: 'x', kind: 'root' as 'agent' })).rejects.toBeInstanceOf(IdentityConfigError);
  });

  it('an empty or missing store verifies nothing', async () => {
    await expect(store.list()).resolves.toEqual([]);
    await expect(store.verify(`gh_agt_${'a'.repeat(16)}_${'b'.repeat(43)}`)).rejects.toBeInstanceOf(UnknownAgentTokenError);
  });
});

describe('agentSecretMatches', () => {
  it('matches only the right secret and tolerates a damaged stored hash', () => {
    const hash = hashAgentSecret('s3cret');
    expect(agentSecretMatches('s3cret', hash)).toBe(true);
    expect(agentSecretMatches('s3creT', hash)).toBe(false);
    expect(agentSecretMatches('s3cret', 'abcd')).toBe(false);
    expect(agentSecretMatches('s3cret', 'zz')).toBe(false);
  });
});
