/** One output column of a query: its name and the base columns it derives from. */
export interface OutputColumn {
  readonly name: string;
  /** Dotted `db.schema.table.column`, or `db.schema.table.*` for an unexpanded star. */
  readonly sources: readonly string[];
  /** The value is a source value itself (column, alias, cast), not computed from it. */
  readonly direct: boolean;
  /** This entry stands for all columns of a base table (`t.*`), names unknown. */
  readonly star?: boolean;
}

/**
 * A name visible in a FROM list. A base table (`table` set) has columns we do not know, so any
 * column name may belong to it; a derived table (subquery, CTE) has known `columns`; an opaque one
 * (function, self-reference of a recursive CTE) has columns with no base sources.
 */
export interface Relation {
  readonly alias: string;
  readonly table?: string;
  readonly columns?: readonly OutputColumn[];
  readonly opaque?: boolean;
  /** A join with an alias: its columns are the member relations' columns. */
  readonly members?: readonly Relation[];
}

export class Scope {
  readonly relations: Relation[] = [];
  readonly ctes = new Map<string, readonly OutputColumn[] | 'pending'>();

  constructor(readonly parent?: Scope) {}

  cte(name: string): readonly OutputColumn[] | 'pending' | undefined {
    return this.ctes.get(name) ?? this.parent?.cte(name);
  }

  /** The relation a qualifier names, innermost scope first. */
  find(alias: string): Relation | undefined {
    for (const relation of this.relations) {
      if (relation.alias === alias) return relation;
    }
    return this.parent?.find(alias);
  }
}

/** Whether a relation can supply a column of this name. */
export function mayHaveColumn(relation: Relation, name: string): boolean {
  if (relation.table !== undefined || relation.opaque) return true;
  if (relation.members) return relation.members.some((member) => mayHaveColumn(member, name));
  return relation.columns?.some((column) => column.star || column.name === name) ?? false;
}
