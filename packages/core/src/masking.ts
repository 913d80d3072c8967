import type { ColumnLineage } from './action.js';
import type { Dialect } from './dialect.js';
import type { MaskObligation } from './obligations.js';

/** How a column's values are represented, so a masked value stays valid for its type. */
export const VALUE_TYPE_CLASSES = ['text', 'number', 'boolean', 'date', 'binary', 'json', 'uuid', 'other'] as const;
export type ValueTypeClass = (typeof VALUE_TYPE_CLASSES)[number];

/** A result column as an adapter describes it (RowDescription, column definitions, COLMETADATA, BSON). */
export interface ResultColumn {
  /** The name the client sees. */
  readonly name: string;
  /** The source table, dotted like ObjectRef names, when the protocol or catalog tells it. */
  readonly table?: string;
  /** The source column name in that table, when known. */
  readonly column?: string;
  readonly typeClass: ValueTypeClass;
  /** Declared maximum length in characters, when known. */
  readonly maxLength?: number;
  readonly nullable?: boolean;
}

/** A compiled, per-result-set plan. Applying it touches only the columns it masks. */
export interface MaskPlan {
  /** False when nothing in this result set needs masking: adapters forward rows untouched. */
  readonly active: boolean;
  /** Indexes of columns that get any masking (rule or detector). */
  readonly maskedColumns: readonly number[];
}

export interface MaskPlanInput {
  readonly obligation: MaskObligation;
  readonly columns: readonly ResultColumn[];
  readonly lineage?: readonly ColumnLineage[];
  readonly dialect: Dialect;
}
