import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadRequest, LoadResult } from './mongo-load.js';

/** A load process for one target (its own MongoClient), answering one measurement at a time. */
export interface LoadProcess {
  run(request: LoadRequest): Promise<LoadResult>;
  stop(): Promise<void>;
}

/**
 * Forks load-child.ts with `args` (url, concurrency, documents[, user, token]) and resolves once its
 * client is connected. The child runs with this process's execArgv (tsx, the source conditions)
 * except --cpu-prof*: a profile of the bench process should not come with one per driver.
 */
export function startLoadProcess(args: readonly string[]): Promise<LoadProcess> {
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof'));
  const child = fork(fileURLToPath(new URL('./load-child.ts', import.meta.url)), [...args], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`MongoDB load process exited (code ${code})`));
      child.once('exit', onExit);
      child.once('message', (message) => {
        child.off('exit', onExit);
        resolve(message);
      });
    });
  return next().then(() => ({
    async run(request) {
      const answer = next();
      child.send(request);
      return (await answer) as LoadResult;
    },
    async stop() {
      child.send('stop');
      await exited;
    },
  }));
}
