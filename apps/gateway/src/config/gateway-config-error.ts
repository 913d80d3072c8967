import type { LocatedProblem } from '@gatehouse/core';
import { ConfigLoadError } from '@gatehouse/yaml-config';

/** A gateway configuration file that cannot be used; every problem located at file:line:col. */
export class GatewayConfigError extends ConfigLoadError {
  constructor(code: string, problems: readonly LocatedProblem[]) {
    super(code, problems, 'gateway configuration');
  }
}
