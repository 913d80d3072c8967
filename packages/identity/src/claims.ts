import { PRINCIPAL_KINDS } from '@gatehouse/core';
import type { PrincipalAttributeValue, PrincipalKind } from '@gatehouse/core';
import { checkAttributeValue, checkAttributes } from './attributes.js';
import { TokenClaimsError } from './errors.js';

/** Identities end up in audit records, policy matches and log lines: keep them short and printable. */
const MAX_ID_LENGTH = 256;
// eslint-disable-next-line no-control-regex -- the point is to reject control characters.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Checks that a subject / principal id is a usable identity; returns it unchanged. */
export function checkPrincipalId(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TokenClaimsError(`${what} is missing or not a string`);
  if (value.length > MAX_ID_LENGTH) throw new TokenClaimsError(`${what} is longer than ${MAX_ID_LENGTH} characters`);
  if (CONTROL.test(value)) throw new TokenClaimsError(`${what} contains control characters`);
  return value;
}

/**
 * Reads a claim by exact name first (namespaced claims such as `https://example.com/groups` contain
 * dots), then as a dotted path into nested objects (Keycloak's `realm_access.roles`).
 */
export function readClaim(payload: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  if (!name.includes('.')) return undefined;
  let current: unknown = payload;
  for (const part of name.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * Groups grant access, so a groups claim of the wrong shape is refused rather than read loosely.
 * Absent means no groups (deny by default does the rest); a single string is one group.
 */
export function readGroups(value: unknown, claimName: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || !value.every((group) => typeof group === 'string')) {
    throw new TokenClaimsError(`claim "${claimName}" must be a string or an array of strings`);
  }
  return [...new Set(value as string[])];
}

export function readKind(value: unknown, fallback: PrincipalKind, claimName: string): PrincipalKind {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (PRINCIPAL_KINDS as readonly string[]).includes(value)) return value as PrincipalKind;
  throw new TokenClaimsError(`claim "${claimName}" must be one of ${PRINCIPAL_KINDS.join(', ')}`);
}

/**
 * Maps claims to attributes: `attribute name → claim` (the claim may be a dotted path into nested
 * objects). Claims absent from the token are left out; a claim of the wrong shape refuses the token.
 */
export function readAttributes(
  payload: Readonly<Record<string, unknown>>,
  claims: Readonly<Record<string, string>>,
): Record<string, PrincipalAttributeValue> | undefined {
  const entries: [string, unknown][] = [];
  for (const [name, claim] of Object.entries(claims)) {
    const value = readClaim(payload, claim);
    if (value === undefined || value === null) continue;
    entries.push([name, checkAttributeValue(value, `claim "${claim}"`)]);
  }
  // checkAttributes rebuilds the map from own entries, so a claim named "__proto__" cannot reach the prototype.
  return entries.length === 0 ? undefined : checkAttributes(Object.fromEntries(entries));
}
