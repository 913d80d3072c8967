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

/** How row values reach the masker: wire text (UTF-8 bytes or strings) or decoded JS values. */
export type ValueRepresentation = 'text' | 'typed';

/** Counters for audit and metrics. */
export interface MaskStats {
  /** Values changed (or nulled) by the plan so far. */
  readonly maskedValues: number;
  /** Masked values per policy rule name. */
  readonly byRule: Readonly<Record<string, number>>;
}

/** A compiled, per-result-set plan. Applying it touches only the columns it masks. */
export interface MaskPlan {
  /** False when nothing in this result set needs masking: adapters forward rows untouched. */
  readonly active: boolean;
  /** Indexes of columns that get any masking (rule or detector). */
  readonly maskedColumns: readonly number[];
  /**
   * Masks one value in text representation; null in or out is SQL NULL. Bytes in, bytes out;
   * string in, string out. Returned buffers may be shared between calls: do not mutate them.
   */
  maskTextValue(columnIndex: number, value: Uint8Array | null): Uint8Array | null;
  maskTextValue(columnIndex: number, value: string | null): string | null;
  /** Masks one decoded value (number, bigint, Date, string, nested document …); null is NULL. */
  maskTypedValue(columnIndex: number, value: unknown): unknown;
  /** Masks a whole row in place (only masked columns are touched) and returns it. */
  maskRow<T extends unknown[]>(values: T, representation?: ValueRepresentation): T;
  /** Values masked so far by this plan. */
  readonly maskedCount: number;
  stats(): MaskStats;
}

export interface MaskPlanInput {
  readonly obligation: MaskObligation;
  readonly columns: readonly ResultColumn[];
  readonly lineage?: readonly ColumnLineage[];
  readonly dialect: Dialect;
}

/** What the proxy needs from the masking package; adapters receive plans, never policy. */
export interface Masker {
  compilePlan(input: MaskPlanInput): MaskPlan;
  /** Redacts literals, quoted fragments and detected PII/secrets from free text (errors, notices, SQL). */
  redactText(text: string, dialect?: Dialect): string;
}
