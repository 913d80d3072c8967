import type { TediousTarget } from './tedious-client.js';

/** What the bench asks of its tedious load process (over the fork IPC channel). */
export type LoadRequest = { readonly id: number } & (
  | { readonly op: 'seed'; readonly target: TediousTarget; readonly rows: number }
  | { readonly op: 'open'; readonly pool: string; readonly target: TediousTarget; readonly connections: number }
  | { readonly op: 'measure'; readonly pool: string; readonly seconds: number; readonly rows: number }
  | { readonly op: 'close' }
);

export type LoadReply = { readonly id: number } & ({ readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string });

/** A measurement: point selects completed, over how long. */
export interface LoadResult {
  readonly selects: number;
  readonly elapsedMs: number;
}
