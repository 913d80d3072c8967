import { GatehouseError, formatProblem } from '@gatehouse/core';
import type { LocatedProblem } from '@gatehouse/core';

/**
 * A YAML file that cannot be loaded. Carries every problem found, each located at file:line:col,
 * so an editor or CI can annotate all of them in one pass. Loaders of particular documents
 * (policies, gateway configuration) subclass it so callers can tell them apart.
 */
export class ConfigLoadError extends GatehouseError {
  readonly problems: readonly LocatedProblem[];

  /** `subject` names the document in the summary line when no problem carries a file. */
  constructor(code: string, problems: readonly LocatedProblem[], subject = 'configuration') {
    const count = problems.length;
    const head = `${count} problem${count === 1 ? '' : 's'} in ${problems[0]?.file ?? subject}`;
    super(code, [head, ...problems.map((problem) => `  ${formatProblem(problem)}`)].join('\n'));
    this.problems = problems;
  }
}

/** Builds the error a loader throws; lets a package keep its own ConfigLoadError subclass. */
export type LoadErrorFactory = (code: string, problems: readonly LocatedProblem[]) => ConfigLoadError;

export const defaultLoadError: LoadErrorFactory = (code, problems) => new ConfigLoadError(code, problems);
