import { describe, expect, it } from 'vitest';
import { GatehouseError, formatProblem } from './errors.js';

describe('GatehouseError', () => {
  it('keeps a stable code and the subclass name', () => {
    class PolicyLoadError extends GatehouseError {}
    const error = new PolicyLoadError('policy.invalid', 'bad policy');
    expect(error.code).toBe('policy.invalid');
    expect(error.name).toBe('PolicyLoadError');
    expect(error).toBeInstanceOf(Error);
  });

  it('formats problems as file:line:col: message', () => {
    expect(formatProblem({ file: 'p.yaml', line: 3, column: 7, message: 'unknown key "efect"' })).toBe(
      'p.yaml:3:7: unknown key "efect"',
    );
  });
});
