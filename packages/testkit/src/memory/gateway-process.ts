// Test-only: a gateway in a child process of its own, so a memory test measures the gateway and
// nothing of the test harness or the client reading millions of rows. The parent forks an adapter's
// child entry file (which calls `serveGatewayInChild` with its own `startTestGateway`), asks it for
// tokens, marks a baseline and reads back the child's RSS, sampled every 20 ms.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** The gateway's own memory between `mark()` and `report()`. */
export interface GatewayMemory {
  readonly baselineRss: number;
  readonly peakRss: number;
  /** heapUsed / external / arrayBuffers when the peak was seen. */
  readonly atPeak: { readonly heapUsed: number; readonly external: number; readonly arrayBuffers: number };
}

export interface GatewayProcess {
  readonly port: number;
  readonly cert: string;
  readonly pid: number;
  token(user: string, groups?: string[]): Promise<string>;
  /** Starts a measurement: the baseline is the child's RSS now, after a full GC. */
  mark(): Promise<void>;
  report(): Promise<GatewayMemory>;
  stop(): Promise<void>;
}

/** What the child side needs from an adapter's test gateway. */
export interface ChildGateway {
  readonly port: number;
  readonly cert: string;
  token(user: string, groups: string[]): Promise<string>;
  stop(): Promise<void>;
}

type RequestBody = { type: 'token'; user: string; groups: string[] } | { type: 'mark' } | { type: 'report' } | { type: 'stop' };
type Request = RequestBody & { id: number };
type Reply = { id: number; value: unknown } | { id: number; error: string };
type Ready = { type: 'ready'; port: number; cert: string } | { type: 'failed'; error: string };

/** Set in the child's environment: the JSON parameters for its gateway. */
export const GATEWAY_PROCESS_PARAMETERS = 'GATEHOUSE_TEST_GATEWAY_PARAMETERS';

/**
 * Forks `childEntry` (an adapter's file that calls `serveGatewayInChild`) with `parameters`, and
 * talks to it over IPC. The child runs TypeScript sources through tsx, like the tests.
 */
export async function startGatewayProcess(childEntry: string, parameters: unknown): Promise<GatewayProcess> {
  const child: ChildProcess = fork(childEntry, [], {
    execArgv: ['--conditions=@gatehouse/source', '--import', 'tsx', '--expose-gc'],
    env: { ...process.env, [GATEWAY_PROCESS_PARAMETERS]: JSON.stringify(parameters) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Ready));
    child.once('exit', (code) => reject(new Error(`the gateway process exited with ${code} before it was ready`)));
  });
  if (ready.type === 'failed') throw new Error(`the gateway process failed to start: ${ready.error}`);

  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message) => {
    const reply = message as Reply;
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if ('error' in reply) waiter?.reject(new Error(reply.error));
    else waiter?.resolve(reply.value);
  });
  const ask = <T>(request: RequestBody): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...request, id });
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port: ready.port,
    cert: ready.cert,
    pid: child.pid!,
    token: (user, groups = []) => ask<string>({ type: 'token', user, groups }),
    mark: () => ask<void>({ type: 'mark' }),
    report: () => ask<GatewayMemory>({ type: 'report' }),
    async stop() {
      await ask<void>({ type: 'stop' }).catch(() => undefined);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      child.kill();
    },
  };
}

/** The child side: start the gateway from the parameters, sample RSS, answer the parent. */
export function serveGatewayInChild(start: (parameters: unknown) => Promise<ChildGateway>): void {
  const raw = process.env[GATEWAY_PROCESS_PARAMETERS];
  if (raw === undefined || !process.send) return;
  void runChild(start, JSON.parse(raw) as unknown);
}

async function runChild(start: (parameters: unknown) => Promise<ChildGateway>, parameters: unknown): Promise<void> {
  const send = (message: Ready | Reply): void => {
    process.send!(message);
  };
  let gateway: ChildGateway;
  try {
    gateway = await start(parameters);
  } catch (error) {
    send({ type: 'failed', error: (error as Error).message });
    process.exit(1);
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  let baselineRss = process.memoryUsage.rss();
  let peakRss = baselineRss;
  let atPeak = { heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sample = (): void => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) {
      peakRss = rss;
      const { heapUsed, external, arrayBuffers } = process.memoryUsage();
      atPeak = { heapUsed, external, arrayBuffers };
    }
  };
  setInterval(sample, 20).unref();
  process.on('message', (message: Request) => {
    void (async () => {
      try {
        switch (message.type) {
          case 'token':
            return send({ id: message.id, value: await gateway.token(message.user, message.groups) });
          case 'mark':
            gc?.();
            baselineRss = peakRss = process.memoryUsage.rss();
            atPeak = { heapUsed: 0, external: 0, arrayBuffers: 0 };
            return send({ id: message.id, value: undefined });
          case 'report':
            sample();
            return send({ id: message.id, value: { baselineRss, peakRss, atPeak } satisfies GatewayMemory });
          case 'stop':
            await gateway.stop();
            send({ id: message.id, value: undefined });
            process.disconnect();
            return;
        }
      } catch (error) {
        send({ id: message.id, error: (error as Error).message });
      }
    })();
  });
  send({ type: 'ready', port: gateway.port, cert: gateway.cert });
}
