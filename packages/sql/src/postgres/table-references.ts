import type { PgNode } from './ast.js';
import { asList, asNode, stringList, unwrap } from './ast.js';
import type { StatementContext } from './statement-context.js';

/**
 * Tables a CREATE TABLE names besides the one it creates. Policy must see them, or a deny on
 * `secrets` is bypassed by a definition built from it:
 * - INHERITS (p) / PARTITION OF p: p gains a child whose rows its readers will see, and the
 *   child copies p's columns and constraints: define and read of p.
 * - (LIKE p): p's definition is copied: read of p.
 * - REFERENCES p (column or table constraint): every insert checks p's key, an existence oracle
 *   on p's rows: read of p (its key columns, where written).
 */
export function createTableReferences(body: PgNode, ctx: StatementContext): void {
  for (const parent of asList(body['inhRelations'])) {
    const relation = asNode(parent['RangeVar']);
    if (!relation) continue;
    const name = ctx.names.relation(relation);
    ctx.analysis.object('define', 'table', name);
    ctx.analysis.object('read', 'table', name);
  }
  for (const element of asList(body['tableElts'])) {
    const like = asNode(element['TableLikeClause']);
    if (like) ctx.analysis.object('read', 'table', ctx.names.relation(asNode(like['relation']) ?? {}));
    constraintReferences(element, ctx);
  }
}

/**
 * ALTER TABLE subcommands that name other tables: INHERIT / NO INHERIT p (p's children change,
 * and after INHERIT the altered table's rows are read through p), ATTACH / DETACH PARTITION x
 * (x's rows join or leave the partitioned table), and foreign keys added by ADD CONSTRAINT or
 * ADD COLUMN … REFERENCES p.
 */
export function alterTableReferences(table: string, cmds: unknown, ctx: StatementContext): void {
  for (const item of asList(cmds)) {
    const cmd = asNode(item['AlterTableCmd']);
    if (!cmd) continue;
    const subtype = cmd['subtype'];
    const def = asNode(cmd['def']);
    if (subtype === 'AT_AddInherit' || subtype === 'AT_DropInherit') {
      const parent = ctx.names.relation(asNode(def?.['RangeVar']) ?? {});
      ctx.analysis.object('define', 'table', parent);
      ctx.analysis.object('read', 'table', parent);
      if (subtype === 'AT_AddInherit') ctx.analysis.object('read', 'table', table);
    } else if (subtype === 'AT_AttachPartition' || subtype === 'AT_DetachPartition') {
      const partition = ctx.names.relation(asNode(asNode(def?.['PartitionCmd'])?.['name']) ?? {});
      ctx.analysis.object('define', 'table', partition);
      if (subtype === 'AT_AttachPartition') ctx.analysis.object('read', 'table', partition);
    } else if (def) {
      constraintReferences(def, ctx);
    }
  }
}

/** Foreign keys in a table element: a table Constraint, or a ColumnDef's column constraints. */
function constraintReferences(element: PgNode, ctx: StatementContext): void {
  const unwrapped = unwrap(element);
  if (!unwrapped) return;
  const [type, body] = unwrapped;
  const constraints = type === 'ColumnDef' ? asList(body['constraints']) : type === 'Constraint' ? [element] : [];
  for (const item of constraints) {
    const constraint = asNode(item['Constraint']);
    if (!constraint || constraint['contype'] !== 'CONSTR_FOREIGN') continue;
    const referenced = ctx.names.relation(asNode(constraint['pktable']) ?? {});
    const columns = stringList(constraint['pk_attrs']);
    ctx.analysis.object('read', 'table', referenced, columns.length > 0 ? columns : undefined);
  }
}
