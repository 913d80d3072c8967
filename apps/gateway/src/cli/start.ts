import { errorSummary, createLogger } from '@gatehouse/proxy';
import type { BoundListener } from '@gatehouse/proxy';
import { ConfigLoadError } from '@gatehouse/yaml-config';
import { formatListenAddress } from '../config/listen-address.js';
import { loadGatewayConfig } from '../config/load-gateway-config.js';
import type { GatewayConfig } from '../config/gateway-config.js';
import { startGateway } from '../runtime/start-gateway.js';
import { flushLogger } from './flush-logger.js';
import type { CliIo } from './io.js';
import { EXIT_FAILED, EXIT_OK } from './io.js';
import { parseOptions, requireOption } from './parse-options.js';
import { reportLoadError } from './policy-errors.js';
import { onReloadSignal, onShutdownSignals } from './signals.js';

export const START_USAGE = 'gatehouse start --config <gatehouse.yaml>';

/** `orders (postgres, prod) listening on 127.0.0.1:6432`: the line scripts and humans wait for. */
export function listenerLine(config: GatewayConfig, listener: BoundListener): string {
  const connection = config.connections.find((candidate) => candidate.name === listener.connection);
  const detail = connection ? ` (${connection.dialect}, ${connection.environment})` : '';
  return `${listener.connection}${detail} listening on ${formatListenAddress(listener.address)}`;
}

/**
 * `gatehouse start`: load the configuration (exit 2 with every located problem, nothing started),
 * start every listener, then run until SIGTERM/SIGINT; SIGHUP reloads the policy file. Shutdown drains: no new connections,
 * statements in flight finish (bounded by shutdown.drainTimeout), then exit 0. Logs are JSON on
 * stderr; stdout carries one line per listener.
 */
export async function start(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, { config: { type: 'string', short: 'c' } }, false);
  const configFile = requireOption(values, 'config');
  let config: GatewayConfig;
  try {
    config = await loadGatewayConfig(configFile);
  } catch (error) {
    return reportLoadError(error, io, 'nothing was started');
  }

  const logger = createLogger({ level: config.log.level });
  // Listen for signals before binding, so a SIGTERM during startup still drains instead of killing.
  const signals = onShutdownSignals();
  let running;
  try {
    running = await startGateway(config, logger);
  } catch (error) {
    signals.dispose();
    await flushLogger(logger);
    if (error instanceof ConfigLoadError) return reportLoadError(error, io, 'nothing was started');
    io.err(`gatehouse start: cannot start: ${errorSummary(error).message}`);
    return EXIT_FAILED;
  }
  for (const listener of running.listeners) io.out(listenerLine(config, listener));
  // The outcome (applied, or rejected with file:line:col problems) is logged and audited by reloadPolicy.
  const stopReloading = onReloadSignal(() => void running.reloadPolicy('SIGHUP'));

  const signal = await signals.first;
  stopReloading();
  logger.info({ signal, timeoutMs: config.shutdown.drainTimeoutMs }, 'shutting down: draining sessions (send the signal again to stop at once)');
  await running.drain();
  logger.info('stopped');
  signals.dispose();
  await flushLogger(logger);
  return EXIT_OK;
}
