import type { PrincipalAttributeValue } from '@gatehouse/core';
import { TokenClaimsError } from './errors.js';

/**
 * Principal attributes (tenant, region, …) feed row filters: policy binds them as literals into
 * statements. They are bounded so a token cannot make every statement huge, and restricted to
 * scalars and lists of scalars so a value can never turn into an operator or a sub-document.
 */
export const ATTRIBUTE_LIMITS = {
  /** Attributes per principal. */
  count: 32,
  /** Characters in one text value. */
  textLength: 256,
  /** Items in one list value. */
  listLength: 256,
} as const;

/** What policy can reference as `${principal.<name>}`: letters, digits, `_` and `-`, 1–64 characters. */
export const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** Principal fields policy reads under these names (`${principal.id}`): an attribute may not shadow them. */
export const RESERVED_ATTRIBUTE_NAMES: readonly string[] = ['id', 'groups', 'kind', 'via'];

// eslint-disable-next-line no-control-regex -- the point is to reject control characters.
const CONTROL = /[\u0000-\u001f\u007f]/;

type Scalar = string | number | boolean;

/** Why an attribute name is unusable, or undefined. Never echoes more than the name. */
export function attributeNameProblem(name: string): string | undefined {
  if (!ATTRIBUTE_NAME.test(name)) {
    return `attribute name "${name.slice(0, 64)}" is invalid; use 1–64 letters, digits, "_" or "-", starting with a letter or "_"`;
  }
  if (RESERVED_ATTRIBUTE_NAMES.includes(name)) return `attribute name "${name}" is reserved (policy reads the principal's own ${name})`;
  return undefined;
}

function checkScalar(value: unknown, what: string): Scalar {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw new TokenClaimsError(`${what} must be a finite number`);
  }
  if (typeof value !== 'string') throw new TokenClaimsError(`${what} must be a string, number, boolean or an array of those`);
  if (value.length > ATTRIBUTE_LIMITS.textLength) throw new TokenClaimsError(`${what} is longer than ${ATTRIBUTE_LIMITS.textLength} characters`);
  if (CONTROL.test(value)) throw new TokenClaimsError(`${what} contains control characters`);
  return value;
}

/** Checks one attribute value; messages name `what`, never the value. */
export function checkAttributeValue(value: unknown, what: string): PrincipalAttributeValue {
  if (!Array.isArray(value)) return checkScalar(value, what);
  if (value.length > ATTRIBUTE_LIMITS.listLength) throw new TokenClaimsError(`${what} lists more than ${ATTRIBUTE_LIMITS.listLength} values`);
  return value.map((item) => checkScalar(item, what));
}

/**
 * Checks a whole attribute map (gateway token `attrs`, an agent token's attributes, mapped OIDC
 * claims). Returns a fresh object built from own entries, so `__proto__` cannot reach a prototype.
 */
export function checkAttributes(attributes: Readonly<Record<string, unknown>>, what = 'attribute'): Record<string, PrincipalAttributeValue> {
  const entries = Object.entries(attributes);
  if (entries.length > ATTRIBUTE_LIMITS.count) throw new TokenClaimsError(`more than ${ATTRIBUTE_LIMITS.count} attributes`);
  return Object.fromEntries(
    entries.map(([name, value]) => {
      const problem = attributeNameProblem(name);
      if (problem !== undefined) throw new TokenClaimsError(problem);
      return [name, checkAttributeValue(value, `${what} "${name}"`)];
    }),
  );
}
