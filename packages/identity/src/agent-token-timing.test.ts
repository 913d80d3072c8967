import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Spy on (not replace) timingSafeEqual: the comparison must go through it on every path.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const { timingSafeEqual } = await import('node:crypto');
const { AgentTokenStore } = await import('./agent-token-store.js');
const { parseAgentToken } = await import('./agent-token-format.js');

describe('agent token comparison', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gh-agt-t-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('compares in constant time for a right secret, a wrong secret and an unknown id alike', async () => {
    const store = new AgentTokenStore({ path: join(directory, 'tokens.json') });
    const { token } = await store.create({ principalId: 'bot' });
    const { id, secret } = parseAgentToken(token);
    const spy = vi.mocked(timingSafeEqual);
    const attempts = [token, `gh_agt_${id}_${'A'.repeat(43)}`, `gh_agt_${'0'.repeat(16)}_${secret}`];
    for (const attempt of attempts) {
      spy.mockClear();
      await store.verify(attempt).catch(() => undefined);
      expect(spy).toHaveBeenCalledTimes(1);
      const [a, b] = spy.mock.calls[0]!;
      expect(a.byteLength).toBe(32);
      expect(b.byteLength).toBe(32);
    }
  });
});
