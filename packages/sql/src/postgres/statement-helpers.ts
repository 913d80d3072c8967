import type { PgNode } from './ast.js';
import { asNode, asString } from './ast.js';
import { objectKind, objectName } from './object-types.js';
import { isPrivilegeSetting, isSecuritySetting } from './side-effect-functions.js';
import type { Outcome, StatementContext } from './statement-context.js';

/** Classifies one statement body of a given tree type. */
export type StatementHandler = (body: PgNode, ctx: StatementContext) => Outcome;

/** SET/RESET of one setting: who we act as, a security switch, or an ordinary setting. */
export function setting(
  setStmt: PgNode | undefined,
  ctx: StatementContext,
  otherwise: Outcome['category'],
): Outcome['category'] {
  const name = asString(setStmt?.['name']) ?? '';
  if (isPrivilegeSetting(name)) {
    ctx.analysis.flags.add('privilege-switch');
    return otherwise;
  }
  if (isSecuritySetting(name)) {
    // Changing a security setting is administration, whatever statement does it.
    ctx.analysis.flags.add('security-setting');
    return 'admin';
  }
  return otherwise;
}

export function define(ctx: StatementContext, objectType: unknown, node: unknown): void {
  ctx.analysis.object('define', objectKind(objectType), objectName(objectType, node, ctx.names));
}

export type RelationKind = 'table' | 'view' | 'index' | 'sequence';

export function defineRelation(ctx: StatementContext, relation: unknown, kind: RelationKind): string {
  const name = ctx.names.relation(asNode(relation) ?? {});
  ctx.analysis.object('define', kind, name);
  return name;
}

export function defineRoles(ctx: StatementContext, roles: readonly string[]): void {
  for (const role of roles) ctx.analysis.object('define', 'role', role);
}

/** The relation kind an ALTER/RENAME object type names (tables by default). */
export const RELATION_KINDS: Readonly<Record<string, RelationKind>> = {
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'view',
  OBJECT_INDEX: 'index',
  OBJECT_SEQUENCE: 'sequence',
};
