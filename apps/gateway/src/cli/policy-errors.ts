import { formatProblem } from '@gatehouse/core';
import { PolicyLoadError } from '@gatehouse/policy';
import type { CliIo } from './io.js';
import { EXIT_INVALID } from './io.js';

/** Prints a file's problems as `file:line:col: message` lines; returns the exit code, or rethrows. */
export function reportLoadError(error: unknown, io: CliIo): number {
  if (error instanceof PolicyLoadError) {
    for (const problem of error.problems) io.err(formatProblem(problem));
    io.err(`${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}; nothing was loaded.`);
    return EXIT_INVALID;
  }
  throw error;
}
