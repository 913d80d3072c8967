import { objectPatternProblem } from '@gatehouse/core';

/** Why a glob is malformed, or undefined when it is fine (the shared object-pattern rules). */
export function globProblem(pattern: string): string | undefined {
  return objectPatternProblem(pattern);
}
