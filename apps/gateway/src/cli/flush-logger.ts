import type { Logger } from '@gatehouse/proxy';

/** Waits until buffered log lines are written (the logger writes asynchronously), bounded. */
export async function flushLogger(logger: Logger, timeoutMs = 1_000): Promise<void> {
  await Promise.race([
    new Promise<void>((resolve) => logger.flush(() => resolve())),
    new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
  ]);
}
