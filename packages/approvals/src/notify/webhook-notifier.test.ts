import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../approval-request.js';
import type { WebhookFailure } from './webhook-notifier.js';
import { WebhookNotifier } from './webhook-notifier.js';

const REQUEST: ApprovalRequest = {
  id: 'apr_0123456789abcdef',
  state: 'pending',
  mode: 'hold',
  requester: { id: 'carl', groups: ['app'], kind: 'human', via: 'gateway-token' },
  connection: 'orders',
  environment: 'prod',
  dialect: 'postgres',
  fingerprint: 'delete from orders',
  statement: 'DELETE FROM orders WHERE id = $1',
  risk: { score: 7, factors: ['flag:unbounded'] },
  rule: 'deletes-need-review',
  approvers: { groups: ['dba'], users: [], minApprovals: 1 },
  createdAt: new Date('2025-01-01T00:00:00Z'),
  expiresAt: new Date('2025-01-01T00:15:00Z'),
  usesLeft: 0,
  votes: [],
};

interface Received {
  path: string;
  body: Record<string, unknown>;
}

/** A local receiver that fails the first `failures` posts with 503. */
async function receiver(failures: number): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  let failed = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (failed < failures) {
        failed++;
        res.writeHead(503).end();
        return;
      }
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('webhook notifications', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('posts generic JSON and a Slack-compatible payload', async () => {
    const server = await receiver(0);
    cleanups.push(server.close);
    const notifier = new WebhookNotifier({
      targets: [
        { url: `${server.url}/generic`, format: 'json' },
        { url: `${server.url}/slack`, format: 'slack' },
      ],
      adminUrl: 'https://gatehouse.example.com:8081',
    });
    notifier.notify({ notice: 'requested', request: REQUEST });
    await notifier.idle();
    const generic = server.received.find((r) => r.path === '/generic')!.body;
    expect(generic).toMatchObject({
      type: 'approval.requested',
      request: { id: REQUEST.id, statement: REQUEST.statement, createdAt: '2025-01-01T00:00:00.000Z' },
      approveUrl: `https://gatehouse.example.com:8081/v1/approvals/${REQUEST.id}/approve`,
    });
    const slack = server.received.find((r) => r.path === '/slack')!.body as { text: string; blocks: { text: { text: string } }[] };
    expect(slack.text).toContain('Approval needed');
    expect(slack.text).toContain('gatehouse approvals approve apr_0123456789abcdef');
    expect(slack.blocks[0]!.text.text).toBe(slack.text);
    expect(notifier.stats()).toMatchObject({ sent: 2, failedAttempts: 0, dropped: 0 });
  });

  it('retries with backoff, reports each failure, and never blocks the caller', async () => {
    const server = await receiver(2);
    cleanups.push(server.close);
    const failures: WebhookFailure[] = [];
    const notifier = new WebhookNotifier({ targets: [{ url: `${server.url}/hook`, format: 'json' }], retries: 3, backoffMs: 20, onFailure: (f) => failures.push(f) });
    const started = performance.now();
    notifier.notify({ notice: 'approved', request: { ...REQUEST, state: 'approved' }, actor: 'dora' });
    expect(performance.now() - started).toBeLessThan(20);
    await notifier.idle();
    expect(server.received).toHaveLength(1);
    expect(failures.map((f) => [f.attempts, f.error, f.final])).toEqual([
      [1, 'HTTP 503', false],
      [2, 'HTTP 503', false],
    ]);
    expect(failures[0]!.url).not.toContain('/hook');
    expect(notifier.stats()).toMatchObject({ sent: 1, failedAttempts: 2, dropped: 0 });
  });

  it('drops a notice after the last retry and counts it', async () => {
    const failures: WebhookFailure[] = [];
    const notifier = new WebhookNotifier({ targets: [{ url: 'http://127.0.0.1:1/hook', format: 'slack' }], retries: 1, backoffMs: 5, onFailure: (f) => failures.push(f) });
    notifier.notify({ notice: 'requested', request: REQUEST });
    await notifier.idle();
    expect(failures.map((f) => f.final)).toEqual([false, true]);
    expect(notifier.stats()).toMatchObject({ sent: 0, dropped: 1, inFlight: 0 });
    expect(notifier.stats().lastError).toContain('127.0.0.1:1');
  });
});
