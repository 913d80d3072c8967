import type { Action, Principal } from '@gatehouse/core';

const MAX_OBJECTS_IN_REASON = 5;

/**
 * The default-deny reason. Uses only what an action carries by design (category, operation,
 * object names) and the principal id: never statement text, so never a literal value.
 */
export function defaultDenyReason(action: Action, principal: Principal): string {
  const names = action.objects.slice(0, MAX_OBJECTS_IN_REASON).map((object) => object.name);
  const more = action.objects.length - names.length;
  const objects = names.length === 0 ? 'no objects' : `${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  return `no rule allows ${action.category} ${action.operation} on ${objects} for ${principal.id} (${principal.kind})`;
}
