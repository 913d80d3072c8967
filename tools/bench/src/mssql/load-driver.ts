import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GatehouseError } from '@gatehouse/core';
import type { LoadReply, LoadRequest, LoadResult } from './load-protocol.js';
import type { TediousTarget } from './tedious-client.js';

const CHILD = fileURLToPath(new URL('./load-process.ts', import.meta.url));

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** The tedious load process, seen from the bench: named pools of connections, measured one at a time. */
export interface TediousLoad {
  /** The load process's id (for its CPU time). */
  readonly pid: number;
  seed(target: TediousTarget, rows: number): Promise<void>;
  open(pool: string, target: TediousTarget, connections: number): Promise<void>;
  measure(pool: string, seconds: number, rows: number): Promise<LoadResult>;
  /** Closes every pool and ends the process. */
  stop(): Promise<void>;
}

export class LoadProcessError extends GatehouseError {
  constructor(message: string) {
    super('bench.mssql-load', `the tedious load process failed: ${message}`);
  }
}

/** Forks the load process (tsx, source conditions, as the bench itself runs). */
export function startTediousLoad(): TediousLoad {
  const child: ChildProcess = fork(CHILD, [], {
    execArgv: ['--conditions=@gatehouse/source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  child.on('message', (message) => {
    const reply = message as LoadReply;
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (!waiter) return;
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(new LoadProcessError(reply.error));
  });
  child.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new LoadProcessError(`exited with code ${code}`));
    pending.clear();
  });
  const call = (request: WithoutId<LoadRequest>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ ...request, id });
    });
  return {
    pid: child.pid!,
    seed: async (target, rows) => void (await call({ op: 'seed', target, rows })),
    open: async (pool, target, connections) => void (await call({ op: 'open', pool, target, connections })),
    measure: async (pool, seconds, rows) => (await call({ op: 'measure', pool, seconds, rows })) as LoadResult,
    async stop() {
      if (child.exitCode !== null) return;
      await call({ op: 'close' }).catch(() => undefined);
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
