import type { Category, ColumnLineage, Flag } from '@gatehouse/core';

/** One classification expectation, checked through the real entry point. */
export interface CorpusCase {
  readonly sql: string;
  readonly category: Category;
  readonly operation: string;
  /** 'access kind name', e.g. 'read table app.public.users'; exact set, order-free; omitted = none. */
  readonly objects?: readonly string[];
  /** Exact set, order-free; omitted = none (`multi-statement` included when the text has several). */
  readonly flags?: readonly Flag[];
  /** Columns per object key ('access kind name' → columns), order-free, for the objects listed here. */
  readonly columns?: Readonly<Record<string, readonly string[]>>;
  /** Expected lineage entries (order matters; position is checked only when given). */
  readonly lineage?: readonly ColumnLineage[];
  /** Which statement of a multi-statement text this case describes (default 0). */
  readonly at?: number;
  /** How many statements the text holds (default 1). */
  readonly count?: number;
}
