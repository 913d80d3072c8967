import type { Principal } from '@gatehouse/core';
import { GatehouseError } from '@gatehouse/core';
import type { AdminRole } from '../config/control-plane-config.js';
import { ADMIN_ROLE_NAMES } from '../config/control-plane-config.js';

/** Someone the admin API has authenticated, with the roles that decide what they may do. */
export interface AdminCaller {
  readonly principal: Principal;
  readonly roles: readonly AdminRole[];
}

export class AdminAuthError extends GatehouseError {
  constructor(message: string) {
    super('admin.unauthenticated', message);
  }
}

export type AuthenticateToken = (request: { user: string; credential: string; clientAddress: string }) => Promise<Principal>;

/**
 * Admin tokens are ordinary gateway-issued (or OIDC) tokens: `gatehouse token issue --user dora
 * --groups dba --attr roles=approver`. Roles come from the token's `roles` attribute and from
 * `admin.roleGroups` (group → role, for IdP groups). One identity system, one revocation story;
 * the rate limiter that guards database logins guards the admin API too.
 */
export async function authenticateAdmin(
  header: string | undefined,
  clientAddress: string,
  authenticate: AuthenticateToken,
  roleGroups: Readonly<Record<AdminRole, readonly string[]>>,
): Promise<AdminCaller> {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  if (!match) throw new AdminAuthError('send the admin token as "Authorization: Bearer <token>" (gatehouse token issue … --attr roles=approver)');
  const credential = match[1]!;
  const user = jwtSubject(credential);
  if (user === undefined) throw new AdminAuthError('the admin token is not a gateway-issued or OIDC token');
  let principal: Principal;
  try {
    principal = await authenticate({ user, credential, clientAddress });
  } catch (error) {
    throw new AdminAuthError(error instanceof GatehouseError ? error.message : 'the admin token was refused');
  }
  return { principal, roles: rolesOf(principal, roleGroups) };
}

export function rolesOf(principal: Principal, roleGroups: Readonly<Record<AdminRole, readonly string[]>>): AdminRole[] {
  const attribute = principal.attributes?.['roles'];
  const claimed = (Array.isArray(attribute) ? attribute : attribute === undefined ? [] : [attribute]).flatMap((value) => String(value).split(','));
  const roles = new Set<AdminRole>();
  for (const role of ADMIN_ROLE_NAMES) {
    if (claimed.some((value) => value.trim() === role)) roles.add(role);
    if (principal.groups.some((group) => roleGroups[role].includes(group))) roles.add(role);
  }
  return [...roles];
}

/** The `sub` of a JWT, read without verifying (the authenticator verifies it next). */
function jwtSubject(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof payload.sub === 'string' ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}
