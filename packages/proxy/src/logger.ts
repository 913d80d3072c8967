import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly level?: string;
  /** A file descriptor or path; default stderr so stdout stays free for command output. */
  readonly destination?: number | string;
}

/**
 * Structured JSON logs. Callers log identifiers, codes and redacted text only: never a literal, a
 * parameter value, a token or a result value (enforced by review and by tests that scan output).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    { level: options.level ?? 'info', base: { service: 'gatehouse' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: options.destination ?? 2, sync: false }),
  );
}

/** A logger that drops everything (tests, CLI commands that print their own output). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
