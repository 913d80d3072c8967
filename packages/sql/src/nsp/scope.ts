/** What a derived table or CTE yields: named output columns and the sources of any star. */
export interface DerivedColumns {
  readonly columns: ReadonlyArray<{ readonly name: string; readonly sources: readonly string[] }>;
  /** `db.table.*` style sources of unexpanded stars in the select list. */
  readonly star: readonly string[];
}

/** A FROM item visible under `alias`: a base table (dotted name) or a derived table/CTE. */
export interface ScopeSource {
  readonly alias: string;
  readonly base?: string;
  readonly derived?: DerivedColumns;
}

/** The tables visible to one query block; `parent` is the enclosing block (correlated refs). */
export class Scope {
  readonly sources: ScopeSource[] = [];

  constructor(
    readonly parent: Scope | undefined,
    readonly ctes: ReadonlyMap<string, DerivedColumns>,
  ) {}

  private self(): Scope | undefined {
    return this;
  }

  /** Finds a FROM item by alias (case-insensitive, innermost block first). */
  findAlias(alias: string): ScopeSource | undefined {
    const lower = alias.toLowerCase();
    for (let scope = this.self(); scope; scope = scope.parent) {
      const found = scope.sources.find((s) => s.alias.toLowerCase() === lower);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * The FROM items an unqualified column may belong to: the innermost block with a candidate.
   * Base tables are always candidates (their columns are unknown here); derived tables only when
   * they output that column or a star. Several candidates are all returned (over-mask, never leak).
   */
  candidatesFor(column: string): ScopeSource[] {
    const lower = column.toLowerCase();
    for (let scope = this.self(); scope; scope = scope.parent) {
      const found = scope.sources.filter(
        (s) =>
          s.base !== undefined ||
          (s.derived !== undefined &&
            (s.derived.star.length > 0 || s.derived.columns.some((c) => c.name.toLowerCase() === lower))),
      );
      if (found.length > 0) return found;
    }
    return [];
  }
}

/** The sources of `column` read through a derived table (a star source `x.*` becomes `x.column`). */
export function derivedColumnSources(derived: DerivedColumns, column: string): string[] {
  const lower = column.toLowerCase();
  const named = derived.columns.filter((c) => c.name.toLowerCase() === lower);
  if (named.length > 0) return named.flatMap((c) => c.sources);
  return derived.star.map((s) => (s.endsWith('.*') ? `${s.slice(0, -1)}${column}` : s));
}

/** Every source a star over a derived table stands for. */
export function derivedStarSources(derived: DerivedColumns): string[] {
  return [...derived.columns.flatMap((c) => c.sources), ...derived.star];
}
