import { formatProblem } from '@gatehouse/core';
import { ConfigLoadError } from '@gatehouse/yaml-config';
import type { CliIo } from './io.js';
import { EXIT_INVALID } from './io.js';

/**
 * Prints a file's problems as `file:line:col: message` lines; returns the exit code, or rethrows.
 * Any located YAML error: policies, policy tests, the gateway configuration.
 */
export function reportLoadError(error: unknown, io: CliIo, consequence = 'nothing was loaded'): number {
  if (error instanceof ConfigLoadError) {
    for (const problem of error.problems) io.err(formatProblem(problem));
    io.err(`${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}; ${consequence}.`);
    return EXIT_INVALID;
  }
  throw error;
}
