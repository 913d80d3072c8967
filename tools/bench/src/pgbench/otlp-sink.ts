import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * A local OTLP/HTTP receiver for the telemetry benchmark, in a process of its own so receiving
 * costs the gateway's process nothing: it accepts every export (200, empty protobuf body) and
 * counts requests and bytes per signal, which the report shows as proof that spans really left.
 */
export interface OtlpSink {
  readonly url: string;
  counts(): Promise<OtlpSinkCounts>;
  stop(): Promise<void>;
}

export interface OtlpSinkCounts {
  readonly requests: Readonly<Record<string, number>>;
  readonly bytes: Readonly<Record<string, number>>;
}

const CHILD = fileURLToPath(new URL('./otlp-sink-child.ts', import.meta.url));

export async function startOtlpSink(): Promise<OtlpSink> {
  const child: ChildProcess = fork(CHILD, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the OTLP sink exited (${code}) before it listened`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () =>
      new Promise<OtlpSinkCounts>((resolve) => {
        child.once('message', (message) => resolve(message as OtlpSinkCounts));
        child.send('counts');
      }),
    async stop() {
      child.kill();
      await exited;
    },
  };
}
