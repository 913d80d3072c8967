import { formatProblem } from '@gatehouse/core';
import type { Action, Category, DecisionRequest, Flag, ObjectAccess, ObjectKind, ObjectRef, Principal, PrincipalKind, Target } from '@gatehouse/core';
import { PolicyLoadError } from '../errors.js';
import { loadPolicy } from '../load-policy.js';
import type { CompiledPolicy } from '../engine.js';

/** Test-only builders: actions by hand, so policy tests never depend on the SQL classifier. */
export function object(name: string, access: ObjectAccess = 'read', kind: ObjectKind = 'table'): ObjectRef {
  return { name, access, kind };
}

export function action(
  category: Category,
  operation: string,
  objects: readonly (string | ObjectRef)[] = [],
  flags: readonly Flag[] = [],
): Action {
  const refs = objects.map((entry) => (typeof entry === 'string' ? object(entry, category === 'write' ? 'write' : 'read') : entry));
  return { dialect: 'postgres', category, operation, objects: refs, flags, fingerprint: operation, redactedText: operation };
}

export function principal(id: string, groups: readonly string[] = [], kind: PrincipalKind = 'human'): Principal {
  return { id, groups, kind, via: 'test' };
}

export function target(environment = 'prod', extra: Partial<Target> = {}): Target {
  return { connection: 'orders', environment, dialect: 'postgres', database: 'orders', ...extra };
}

export function request(who: Principal, actions: readonly Action[], where: Target = target(), clientAddress?: string): DecisionRequest {
  return { principal: who, target: where, actions, ...(clientAddress === undefined ? {} : { clientAddress }) };
}

export function policy(yaml: string): CompiledPolicy {
  return loadPolicy(yaml, 'test.yaml');
}

/** A policy with `version: 1` and the given rules block (YAML, indented as under `rules:`). */
export function rules(yaml: string): CompiledPolicy {
  return policy(`version: 1\nrules:\n${yaml}`);
}

/** The formatted problems of a document that must fail to load. */
export function problems(yaml: string, file = 'test.yaml'): string[] {
  try {
    loadPolicy(yaml, file);
  } catch (error) {
    if (error instanceof PolicyLoadError) return error.problems.map(formatProblem);
    throw error;
  }
  throw new Error('expected the policy to fail to load');
}
