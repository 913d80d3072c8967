import type { Action, ColumnLineage, MaskObligation, MaskPlan, Masker, ResultColumn, ValueTypeClass } from '@gatehouse/core';
import { BINARY_CHARSET, ColumnType } from '../protocol/constants.js';
import type { ColumnDefinition } from '../protocol/messages/columns.js';
import { binaryValueSize, rewriteBinaryRow, rewriteTextRow, scanBinaryRow, scanTextRow } from '../protocol/messages/rows.js';
import type { RowLayout } from '../protocol/messages/rows.js';

/** A compiled plan bound to one result set's columns and row format. */
export interface RowMasker {
  readonly plan: MaskPlan;
  /** The row payload to send: the original payload (same object) when nothing changed. */
  mask(payload: Buffer): Buffer;
}

/**
 * Lineage for a result set: the classifier's, per statement. With several statements in one text
 * the positions may belong to any of them, so only output names are kept (the masker then matches
 * by name, and over-masking beats leaking).
 */
export function lineageOf(actions: readonly Action[]): readonly ColumnLineage[] | undefined {
  const withLineage = actions.filter((action) => action.lineage && action.lineage.length > 0);
  if (withLineage.length === 0) return undefined;
  if (withLineage.length === 1) return withLineage[0]!.lineage;
  return withLineage.flatMap((action) => action.lineage!.map(({ output, sources, direct }) => ({ output, sources, direct })));
}

export function typeClassOf(column: ColumnDefinition): ValueTypeClass {
  switch (column.type) {
    case ColumnType.TINY:
    case ColumnType.SHORT:
    case ColumnType.LONG:
    case ColumnType.INT24:
    case ColumnType.LONGLONG:
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
    case ColumnType.DECIMAL:
    case ColumnType.NEWDECIMAL:
    case ColumnType.YEAR:
      return 'number';
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
    case ColumnType.DATETIME:
    case ColumnType.DATETIME2:
    case ColumnType.TIMESTAMP:
    case ColumnType.TIMESTAMP2:
    case ColumnType.TIME:
    case ColumnType.TIME2:
      return 'date';
    case ColumnType.JSON:
      return 'json';
    case ColumnType.BIT:
    case ColumnType.GEOMETRY:
    case ColumnType.VECTOR:
      return 'other';
    default:
      return column.characterSet === BINARY_CHARSET ? 'binary' : 'text';
  }
}

/** Bytes per character of the common character sets (collation id → mbmaxlen); 1 when unknown. */
function bytesPerChar(characterSet: number): number {
  if (characterSet === 45 || characterSet === 46 || (characterSet >= 224 && characterSet <= 247) || characterSet >= 255) return 4;
  if (characterSet === 33 || characterSet === 83 || (characterSet >= 192 && characterSet <= 215)) return 3;
  return 1;
}

/** The dotted names the classifier uses for MySQL objects: database.table. */
export function resultColumnsOf(columns: readonly ColumnDefinition[]): ResultColumn[] {
  return columns.map((column) => {
    const typeClass = typeClassOf(column);
    const maxLength = typeClass === 'text' && column.columnLength > 0 ? Math.floor(column.columnLength / bytesPerChar(column.characterSet)) : undefined;
    return {
      name: column.name,
      ...(column.orgTable ? { table: `${column.schema || '?'}.${column.orgTable}` } : {}),
      ...(column.orgTable && column.orgName ? { column: column.orgName } : {}),
      typeClass,
      ...(maxLength !== undefined ? { maxLength } : {}),
      nullable: (column.flags & 0x1) === 0,
    };
  });
}

/** Compiles the plan for one result set; undefined when nothing in it needs masking. */
export function rowMaskerFor(
  columns: readonly ColumnDefinition[],
  binary: boolean,
  obligation: MaskObligation,
  actions: readonly Action[],
  masker: Masker,
): RowMasker | undefined {
  const lineage = lineageOf(actions);
  const plan = masker.compilePlan({ obligation, columns: resultColumnsOf(columns), ...(lineage ? { lineage } : {}), dialect: 'mysql' });
  if (!plan.active) return undefined;
  return binary ? new BinaryRowMasker(plan, columns.map((column) => column.type)) : new TextRowMasker(plan, columns.length);
}

class TextRowMasker implements RowMasker {
  readonly plan: MaskPlan;
  readonly #columnCount: number;
  readonly #replacements = new Map<number, Uint8Array | null>();
  #layout: RowLayout | undefined;

  constructor(plan: MaskPlan, columnCount: number) {
    this.plan = plan;
    this.#columnCount = columnCount;
  }

  mask(payload: Buffer): Buffer {
    const layout = (this.#layout = scanTextRow(payload, this.#columnCount, this.#layout));
    const replacements = this.#replacements;
    replacements.clear();
    for (const index of this.plan.maskedColumns) {
      const start = layout.starts[index];
      if (start === undefined || start < 0) continue;
      const value = payload.subarray(start, layout.ends[index]!);
      const masked = this.plan.maskTextValue(index, value);
      if (masked !== value) replacements.set(index, masked);
    }
    return replacements.size === 0 ? payload : rewriteTextRow(payload, layout, replacements);
  }
}

class BinaryRowMasker implements RowMasker {
  readonly plan: MaskPlan;
  readonly #types: readonly number[];
  readonly #replacements = new Map<number, Uint8Array | null>();
  #layout: RowLayout | undefined;

  constructor(plan: MaskPlan, types: readonly number[]) {
    this.plan = plan;
    this.#types = types;
  }

  mask(payload: Buffer): Buffer {
    const layout = (this.#layout = scanBinaryRow(payload, this.#types, this.#layout));
    const replacements = this.#replacements;
    replacements.clear();
    for (const index of this.plan.maskedColumns) {
      const start = layout.starts[index];
      if (start === undefined || start < 0) continue;
      if (binaryValueSize(this.#types[index]!) !== -2) {
        // A number or date in binary form cannot carry a masked text value: it becomes NULL.
        replacements.set(index, null);
        continue;
      }
      const value = payload.subarray(start, layout.ends[index]!);
      const masked = this.plan.maskTextValue(index, value);
      if (masked !== value) replacements.set(index, masked);
    }
    return replacements.size === 0 ? payload : rewriteBinaryRow(payload, this.#types, layout, replacements);
  }
}
