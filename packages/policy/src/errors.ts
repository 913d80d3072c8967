import { GatehouseError, formatProblem } from '@gatehouse/core';
import type { LocatedProblem } from '@gatehouse/core';

/**
 * A policy (or policy-test) file that cannot be loaded. Carries every problem found, each located
 * at file:line:col, so an editor or CI can annotate all of them in one pass.
 */
export class PolicyLoadError extends GatehouseError {
  readonly problems: readonly LocatedProblem[];

  constructor(code: string, problems: readonly LocatedProblem[]) {
    const count = problems.length;
    const head = `${count} problem${count === 1 ? '' : 's'} in ${problems[0]?.file ?? 'policy'}`;
    super(code, [head, ...problems.map((problem) => `  ${formatProblem(problem)}`)].join('\n'));
    this.problems = problems;
  }
}
