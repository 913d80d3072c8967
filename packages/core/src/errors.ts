/**
 * Base of every typed Gatehouse error. `code` is stable and machine-readable; the message says
 * what was wrong and what to do.
 */
export class GatehouseError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Where in a source file a problem is: 1-based line and column. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface LocatedProblem extends SourceLocation {
  readonly message: string;
}

/** Formats a problem as `file:line:col: message`, the form editors and CI annotate. */
export function formatProblem(problem: LocatedProblem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`;
}
