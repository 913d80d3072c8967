import { asList, asNode, asString } from './ast.js';
import { roleName, roleNames } from './object-types.js';
import { Scope } from './scope.js';
import type { StatementHandler } from './statement-helpers.js';
import { define, defineRelation, defineRoles, setting } from './statement-helpers.js';

/** ALTER USER and ALTER ROLE are one statement to the parser; the operation keeps the word used. */
function roleWord(words: readonly string[]): string {
  return words[1] === 'USER' || words[1] === 'GROUP' ? words[1] : 'ROLE';
}

/** Privileges, roles, row-security policies, security labels and the credentials user mappings hold. */
export const DCL_HANDLERS: Readonly<Record<string, StatementHandler>> = {
  // Privileges, roles and the credentials a user mapping holds.
  GrantStmt: (body, ctx) => {
    const type = body['objtype'];
    const inSchema = body['targtype'] === 'ACL_TARGET_ALL_IN_SCHEMA';
    for (const object of asList(body['objects'])) define(ctx, inSchema ? 'OBJECT_SCHEMA' : type, object);
    defineRoles(ctx, roleNames(body['grantees']));
    return { category: 'dcl', operation: body['is_grant'] === true ? 'GRANT' : 'REVOKE' };
  },
  GrantRoleStmt: (body, ctx) => {
    defineRoles(
      ctx,
      asList(body['granted_roles']).map((role) => asString(asNode(role['AccessPriv'])?.['priv_name']) ?? '?'),
    );
    defineRoles(ctx, roleNames(body['grantee_roles']));
    return { category: 'dcl', operation: body['is_grant'] === true ? 'GRANT' : 'REVOKE' };
  },
  AlterDefaultPrivilegesStmt: () => ({ category: 'dcl', operation: 'ALTER DEFAULT PRIVILEGES' }),
  CreateRoleStmt: (body, ctx) => {
    defineRoles(ctx, [asString(body['role']) ?? '?']);
    const type = asString(body['stmt_type']);
    const words = type === 'ROLESTMT_USER' ? 'USER' : type === 'ROLESTMT_GROUP' ? 'GROUP' : 'ROLE';
    return { category: 'dcl', operation: `CREATE ${words}` };
  },
  AlterRoleStmt: (body, ctx) => {
    defineRoles(ctx, [roleName(body['role'])]);
    return { category: 'dcl', operation: `ALTER ${roleWord(ctx.words)}` };
  },
  AlterRoleSetStmt: (body, ctx) => {
    if (body['role']) defineRoles(ctx, [roleName(body['role'])]);
    return {
      category: setting(asNode(body['setstmt']), ctx, 'dcl'),
      operation: `ALTER ${roleWord(ctx.words)}`,
    };
  },
  DropRoleStmt: (body, ctx) => {
    defineRoles(ctx, roleNames(body['roles']));
    return { category: 'dcl', operation: `DROP ${roleWord(ctx.words)}` };
  },
  ReassignOwnedStmt: () => ({ category: 'dcl', operation: 'REASSIGN OWNED' }),
  DropOwnedStmt: () => ({ category: 'dcl', operation: 'DROP OWNED' }),
  // USING / WITH CHECK run on every query of the table; their subqueries read other tables.
  CreatePolicyStmt: (body, ctx) => {
    defineRelation(ctx, body['table'], 'table');
    ctx.walker.expr([body['qual'], body['with_check']], new Scope());
    return { category: 'dcl', operation: 'CREATE POLICY' };
  },
  AlterPolicyStmt: (body, ctx) => {
    defineRelation(ctx, body['table'], 'table');
    ctx.walker.expr([body['qual'], body['with_check']], new Scope());
    return { category: 'dcl', operation: 'ALTER POLICY' };
  },
  CreateUserMappingStmt: () => ({ category: 'dcl', operation: 'CREATE USER MAPPING' }),
  AlterUserMappingStmt: () => ({ category: 'dcl', operation: 'ALTER USER MAPPING' }),
  DropUserMappingStmt: () => ({ category: 'dcl', operation: 'DROP USER MAPPING' }),
  SecLabelStmt: (body, ctx) => {
    define(ctx, body['objtype'], body['object']);
    return { category: 'dcl', operation: 'SECURITY LABEL' };
  },
};
