import { readFileSync } from 'node:fs';

/** The last lines of a log file, or a note that there is none (it may already be cleaned up). */
export function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}
