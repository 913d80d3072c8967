import { compileObjectPattern } from '@gatehouse/core';
import type { Action, Dialect, DecisionRequest, ObjectMatchMode, ObjectPattern, ObjectRef } from '@gatehouse/core';
import { AddressMatcher, parseCidr } from './cidr.js';
import type { Cidr } from './cidr.js';
import type { ConditionDocument, ObjectPatternDocument } from './schema-conditions.js';

/**
 * How an objects condition treats an action touching several objects. `any`: one matching object
 * is enough (right for deny/review rules, which restrict). `every`: all objects must match (right
 * for allow rules: allowing `app.*.*` must not allow a join that also reads `secret.*.*`). Either
 * way an action with no objects never matches an objects condition, so a statement whose objects
 * the classifier could not see is not let through by an object-scoped allow.
 */
export type ObjectQuantifier = 'any' | 'every';

/**
 * How object patterns meet names without a schema (MySQL `db.table`, MongoDB `db.collection`),
 * derived from the quantifier, which already encodes which side is cautious:
 * - `any` (deny/review `when`, allow `unless`): matching more denies, reviews or cancels an allow
 *   more, so `broad` — `*.*.customers` and `*.public.customers` both cover MySQL `shop.customers`.
 * - `every` (allow `when`, deny/review `unless`): matching more allows more or cancels a deny more,
 *   so `narrow` — only `*.*.customers` (a whole `*` where the schema would be) covers it.
 */
export function objectMatchMode(quantifier: ObjectQuantifier): ObjectMatchMode {
  return quantifier === 'any' ? 'broad' : 'narrow';
}

interface ObjectMatcher {
  readonly name: ObjectPattern;
  readonly access: ReadonlySet<string> | undefined;
  readonly kind: ReadonlySet<string> | undefined;
}

/** A compiled `when`/`unless`: sets and patterns built once, so matching allocates (almost) nothing. */
export interface CompiledCondition {
  readonly users: ReadonlySet<string> | undefined;
  readonly groups: ReadonlySet<string> | undefined;
  readonly kinds: ReadonlySet<string> | undefined;
  readonly connections: ReadonlySet<string> | undefined;
  readonly environments: ReadonlySet<string> | undefined;
  readonly dialects: ReadonlySet<string> | undefined;
  readonly databases: ReadonlySet<string> | undefined;
  readonly addresses: AddressMatcher | undefined;
  readonly categories: ReadonlySet<string> | undefined;
  /** Upper-cased and whitespace-normalised, so `drop table` in policy matches `DROP TABLE`. */
  readonly operations: ReadonlySet<string> | undefined;
  readonly objects: readonly ObjectMatcher[] | undefined;
  readonly quantifier: ObjectQuantifier;
  readonly flags: ReadonlySet<string> | undefined;
  readonly riskMin: number;
  readonly riskMax: number;
}

const toSet = (values: readonly string[] | undefined): ReadonlySet<string> | undefined =>
  values === undefined ? undefined : new Set(values);

const normaliseOperation = (operation: string): string => operation.trim().replace(/\s+/g, ' ').toUpperCase();

function compileObject(pattern: ObjectPatternDocument, mode: ObjectMatchMode): ObjectMatcher {
  return { name: compileObjectPattern(pattern.name, mode), access: toSet(pattern.access), kind: toSet(pattern.kind) };
}

export function compileCondition(document: ConditionDocument, quantifier: ObjectQuantifier): CompiledCondition {
  const cidrs = document.clientAddress?.map((text) => parseCidr(text)).filter((cidr): cidr is Cidr => cidr !== undefined);
  return {
    users: toSet(document.principal?.users),
    groups: toSet(document.principal?.groups),
    kinds: toSet(document.principal?.kind),
    connections: toSet(document.connection),
    environments: toSet(document.environment),
    dialects: toSet(document.dialect),
    databases: toSet(document.database),
    addresses: cidrs === undefined ? undefined : new AddressMatcher(cidrs),
    categories: toSet(document.action?.category),
    operations: toSet(document.action?.operation?.map(normaliseOperation)),
    objects: document.action?.objects?.map((pattern) => compileObject(pattern, objectMatchMode(quantifier))),
    quantifier,
    flags: toSet(document.action?.flags),
    riskMin: document.risk?.min ?? 0,
    riskMax: document.risk?.max ?? Number.POSITIVE_INFINITY,
  };
}

/** The part of a condition that depends only on who, where and from where: checked once per request. */
export function matchesRequest(condition: CompiledCondition, request: DecisionRequest): boolean {
  const { principal, target } = request;
  if (condition.users !== undefined && !condition.users.has(principal.id)) return false;
  if (condition.groups !== undefined && !hasAny(condition.groups, principal.groups)) return false;
  if (condition.kinds !== undefined && !condition.kinds.has(principal.kind)) return false;
  if (condition.connections !== undefined && !condition.connections.has(target.connection)) return false;
  if (condition.environments !== undefined && !condition.environments.has(target.environment)) return false;
  if (condition.dialects !== undefined && !condition.dialects.has(target.dialect)) return false;
  if (condition.databases !== undefined && (target.database === undefined || !condition.databases.has(target.database))) {
    return false;
  }
  if (condition.addresses !== undefined && !condition.addresses.matches(request.clientAddress)) return false;
  return true;
}

/** The part of a condition that depends on one action and its risk score. */
export function matchesAction(condition: CompiledCondition, action: Action, risk: number): boolean {
  if (condition.categories !== undefined && !condition.categories.has(action.category)) return false;
  if (condition.operations !== undefined && !matchesOperation(condition.operations, action.operation)) return false;
  if (condition.flags !== undefined && !hasAny(condition.flags, action.flags)) return false;
  if (risk < condition.riskMin || risk > condition.riskMax) return false;
  if (condition.objects !== undefined && !matchesObjects(condition.objects, condition.quantifier, action.objects, action.dialect)) {
    return false;
  }
  return true;
}

function matchesOperation(operations: ReadonlySet<string>, operation: string): boolean {
  // Classifiers already upper-case SQL keywords; normalise only on a miss (e.g. MongoDB command names).
  return operations.has(operation) || operations.has(normaliseOperation(operation));
}

function hasAny(set: ReadonlySet<string>, values: readonly string[]): boolean {
  for (const value of values) if (set.has(value)) return true;
  return false;
}

function matchesObject(matchers: readonly ObjectMatcher[], object: ObjectRef, dialect: Dialect): boolean {
  for (const matcher of matchers) {
    if (matcher.access !== undefined && !matcher.access.has(object.access)) continue;
    if (matcher.kind !== undefined && !matcher.kind.has(object.kind)) continue;
    if (matcher.name.matches(object.name, dialect)) return true;
  }
  return false;
}

function matchesObjects(
  matchers: readonly ObjectMatcher[],
  quantifier: ObjectQuantifier,
  objects: readonly ObjectRef[],
  dialect: Dialect,
): boolean {
  if (objects.length === 0) return false;
  if (quantifier === 'any') {
    for (const object of objects) if (matchesObject(matchers, object, dialect)) return true;
    return false;
  }
  for (const object of objects) if (!matchesObject(matchers, object, dialect)) return false;
  return true;
}
