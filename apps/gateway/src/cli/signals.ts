/** The signals that ask the gateway to stop: SIGTERM (service managers, Kubernetes) and SIGINT (Ctrl-C). */
const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/** 128 + the signal number: what a shell reports for a process killed by it. */
const SIGNAL_EXIT_CODES: Readonly<Record<ShutdownSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

export interface ShutdownSignals {
  /** Resolves with the first signal received. */
  readonly first: Promise<ShutdownSignal>;
  /** Stops listening (the default handlers apply again). */
  dispose(): void;
}

/**
 * Waits for the first shutdown signal; a second one means "stop now" (an operator who pressed
 * Ctrl-C twice does not want to wait for the drain), so `onSecond` runs, by default exiting at once.
 */
export function onShutdownSignals(onSecond: (signal: ShutdownSignal) => void = (signal) => process.exit(SIGNAL_EXIT_CODES[signal])): ShutdownSignals {
  let received: ShutdownSignal | undefined;
  let resolveFirst!: (signal: ShutdownSignal) => void;
  const first = new Promise<ShutdownSignal>((resolve) => (resolveFirst = resolve));
  const handler = (signal: ShutdownSignal): void => {
    if (received === undefined) {
      received = signal;
      resolveFirst(signal);
    } else onSecond(signal);
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, handler);
  return {
    first,
    dispose: () => {
      for (const signal of SHUTDOWN_SIGNALS) process.off(signal, handler);
    },
  };
}

/**
 * SIGHUP asks for a policy reload (the convention of nginx, PostgreSQL, HAProxy). Listening also
 * replaces SIGHUP's default action, which would end the process. Returns a function that stops
 * listening.
 */
export function onReloadSignal(reload: () => void): () => void {
  const handler = (): void => reload();
  process.on('SIGHUP', handler);
  return () => {
    process.off('SIGHUP', handler);
  };
}
