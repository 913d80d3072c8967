import { createLogger } from '@gatehouse/proxy';
import { LOG_LEVELS } from '../config/config-defaults.js';
import { flushLogger } from './flush-logger.js';
import type { CliIo } from './io.js';
import { EXIT_OK } from './io.js';
import { oneOfOption, optionalOption, parseOptions } from './parse-options.js';
import { onShutdownSignals } from './signals.js';
import { UsageError } from './usage-error.js';

export const DEMO_USAGE = 'gatehouse demo [--port 6432] [--state-dir .gatehouse/demo] [--log-level error|warn|info|debug]';

/**
 * `gatehouse demo` (npm start): a live gateway in front of an embedded PostgreSQL with fake PII,
 * demo identities and their tokens, and commands to try. Runs until SIGINT/SIGTERM, then drains.
 * Logs go to stderr at `error` by default so the banner stays readable.
 */
export async function demo(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, { port: { type: 'string' }, 'state-dir': { type: 'string' }, 'log-level': { type: 'string' } }, false);
  const portText = optionalOption(values, 'port');
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) throw new UsageError(`--port must be 0-65535 (got "${portText}")`);
  const level = oneOfOption('log-level', optionalOption(values, 'log-level') ?? 'error', LOG_LEVELS);
  const stateDir = optionalOption(values, 'state-dir');

  // Loaded on demand: the embedded database is only needed by this command.
  const { startDemo } = await import('../demo/start-demo.js');
  const { demoBanner } = await import('../demo/demo-banner.js');
  const logger = createLogger({ level });
  const signals = onShutdownSignals();
  io.err('Starting the embedded PostgreSQL and the gateway (a few seconds)…');
  const running = await startDemo({ logger, ...(port !== undefined ? { port } : {}), ...(stateDir ? { stateDir } : {}) }).catch(async (error: unknown) => {
    signals.dispose();
    await flushLogger(logger);
    throw error;
  });
  io.out(demoBanner(running));
  await signals.first;
  io.err('Stopping: draining sessions…');
  await running.stop();
  signals.dispose();
  await flushLogger(logger);
  return EXIT_OK;
}
