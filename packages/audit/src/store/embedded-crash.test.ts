import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { StatementEvent } from '../events/event-types.js';
import { freshDataDir } from '../test-support/pglite-template.js';
import { openEmbeddedAuditStore } from './open-stores.js';

const CHILD = fileURLToPath(new URL('../test-support/crash-writer.ts', import.meta.url));

describe('embedded store under kill -9', () => {
  it('keeps every before-forward record whose write had resolved', async () => {
    const dataDir = await freshDataDir();
    const child = spawn(process.execPath, ['--conditions=@gatehouse/source', '--import', 'tsx', CHILD, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acknowledged: string[] = [];
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) if (line !== 'ready') acknowledged.push(line);
        if (acknowledged.length >= 200) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    expect(acknowledged.length).toBeGreaterThanOrEqual(200);

    const store = await openEmbeddedAuditStore({ dataDir });
    try {
      const stored = new Set<string>();
      for (let cursor: number | undefined; ; ) {
        const page = await store.search({ type: 'statement', order: 'asc', limit: 1_000, ...(cursor !== undefined ? { cursor } : {}) });
        for (const event of page.events) stored.add((event as StatementEvent).statementId);
        if (page.next === undefined) break;
        cursor = page.next;
      }
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      expect((await store.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
  }, 60_000);
});
