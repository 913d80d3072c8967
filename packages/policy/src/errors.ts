import type { LocatedProblem } from '@gatehouse/core';
import { ConfigLoadError } from '@gatehouse/yaml-config';

/**
 * A policy (or policy-test) file that cannot be loaded. Carries every problem found, each located
 * at file:line:col, so an editor or CI can annotate all of them in one pass. A ConfigLoadError, so
 * code that reports any located YAML problem handles it too.
 */
export class PolicyLoadError extends ConfigLoadError {
  constructor(code: string, problems: readonly LocatedProblem[]) {
    super(code, problems, 'policy');
  }
}
