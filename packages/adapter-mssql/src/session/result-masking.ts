import type { Action, ColumnLineage, MaskObligation, MaskPlan, Masker, ResultColumn, ValueTypeClass } from '@gatehouse/core';
import { DataType, FIXED_SIZES, MAX_LENGTH_PLP, UNICODE_TYPES, valueFraming } from '../protocol/data-types.js';
import { encodeColumnText, rewriteRow } from '../protocol/row-rewriter.js';
import type { Replacement } from '../protocol/row-rewriter.js';
import { ColumnFlag } from '../protocol/tokens/token-types.js';
import type { ColumnMetadata, RowToken } from '../protocol/tokens/token-types.js';
import { decodeValue, encodeValueData } from '../protocol/values.js';

/** The value class the masker needs, from a TDS type. */
export function typeClassOf(column: ColumnMetadata): ValueTypeClass {
  switch (column.typeInfo.type) {
    case DataType.TinyInt:
    case DataType.SmallInt:
    case DataType.Int:
    case DataType.BigInt:
    case DataType.IntN:
    case DataType.Real:
    case DataType.Float:
    case DataType.FloatN:
    case DataType.Money:
    case DataType.SmallMoney:
    case DataType.MoneyN:
    case DataType.DecimalN:
    case DataType.NumericN:
    case DataType.DecimalLegacy:
    case DataType.NumericLegacy:
      return 'number';
    case DataType.Bit:
    case DataType.BitN:
      return 'boolean';
    case DataType.DateTime:
    case DataType.SmallDateTime:
    case DataType.DateTimeN:
    case DataType.Date:
    case DataType.Time:
    case DataType.DateTime2:
    case DataType.DateTimeOffset:
      return 'date';
    case DataType.Guid:
      return 'uuid';
    case DataType.BigVarBinary:
    case DataType.BigBinary:
    case DataType.Image:
    case DataType.BinaryLegacy:
    case DataType.VarBinaryLegacy:
      return 'binary';
    case DataType.BigVarChar:
    case DataType.BigChar:
    case DataType.NVarChar:
    case DataType.NChar:
    case DataType.Text:
    case DataType.NText:
    case DataType.CharLegacy:
    case DataType.VarCharLegacy:
      return 'text';
    default:
      return 'other';
  }
}

/**
 * COLMETADATA → the masker's columns. TDS names no source table for ordinary columns (only text,
 * ntext and image carry one), so matching relies on output names and the classifier's lineage.
 */
export function resultColumnsOf(columns: readonly ColumnMetadata[]): ResultColumn[] {
  return columns.map((column) => {
    const typeClass = typeClassOf(column);
    const length = column.typeInfo.length;
    const maxLength =
      typeClass === 'text' && length !== undefined && length !== MAX_LENGTH_PLP && length < 0x7ffffffe
        ? UNICODE_TYPES.has(column.typeInfo.type)
          ? length / 2
          : length
        : undefined;
    return {
      name: column.name,
      ...(column.tableName && column.tableName.length > 0 ? { table: column.tableName.join('.') } : {}),
      typeClass,
      ...(maxLength !== undefined ? { maxLength } : {}),
      nullable: (column.flags & ColumnFlag.Nullable) !== 0,
    };
  });
}

/** Lineage for a result set, as the other SQL adapters merge it (names only across statements). */
export function lineageOf(actions: readonly Action[]): readonly ColumnLineage[] | undefined {
  const withLineage = actions.filter((action) => action.lineage && action.lineage.length > 0);
  if (withLineage.length === 0) return undefined;
  if (withLineage.length === 1) return withLineage[0]!.lineage;
  return withLineage.flatMap((action) => action.lineage!.map(({ output, sources, direct }) => ({ output, sources, direct })));
}

/** A compiled plan bound to one result set's columns. */
export interface RowMasker {
  readonly plan: MaskPlan;
  /** The ROW/NBCROW bytes to send: the original `raw` (same object) when nothing changed. */
  mask(row: RowToken): Buffer;
}

/** Compiles the plan for one COLMETADATA; undefined when nothing in it needs masking. */
export function rowMaskerFor(columns: readonly ColumnMetadata[], obligation: MaskObligation, actions: readonly Action[], masker: Masker): RowMasker | undefined {
  const lineage = lineageOf(actions);
  const plan = masker.compilePlan({ obligation, columns: resultColumnsOf(columns), ...(lineage ? { lineage } : {}), dialect: 'mssql' });
  return plan.active ? new TdsRowMasker(plan, columns) : undefined;
}

/**
 * Masks ROW and NBCROW tokens. Character columns ((n)char, (n)varchar incl. MAX/PLP, (n)text) get the
 * masked text, re-encoded for the column (UCS-2, or by collation) with lengths recomputed. Other types
 * go through the plan as text too; what comes back is the masking package's answer: NULL, or the
 * stand-in configured for the type class (encoded in the column's own type). NOT NULL columns are the
 * masking package's call as well (strict mode withholds the result with a MaskingError unless a
 * stand-in is configured). Where the wire still cannot say NULL — a fixed-length NOT NULL column in
 * a ROW token under best-effort — the value is all-zero bytes (0, false, 0.0, 1900-01-01).
 */
export class TdsRowMasker implements RowMasker {
  readonly plan: MaskPlan;
  readonly #columns: readonly ColumnMetadata[];
  readonly #text: readonly boolean[];
  readonly #replacements = new Map<number, Replacement>();

  constructor(plan: MaskPlan, columns: readonly ColumnMetadata[]) {
    this.plan = plan;
    this.#columns = columns;
    this.#text = columns.map((column) => typeClassOf(column) === 'text');
  }

  mask(row: RowToken): Buffer {
    const replacements = this.#replacements;
    replacements.clear();
    for (const index of this.plan.maskedColumns) {
      const range = row.values[index];
      const column = this.#columns[index];
      if (!range || !column || range.isNull) continue;
      const value = decodeValue(row.raw, range, column.typeInfo);
      if (this.#text[index]) {
        const text = value as string;
        const masked = this.plan.maskTextValue(index, text);
        if (masked === text) continue;
        replacements.set(index, masked === null ? { kind: 'null' } : { kind: 'data', data: encodeColumnText(column, masked) });
        continue;
      }
      const text = Buffer.isBuffer(value) ? value.toString('hex') : String(value);
      const masked = this.plan.maskTextValue(index, text);
      if (masked === text) continue;
      replacements.set(index, this.#nonText(column, masked, row.kind === 'nbcrow'));
    }
    return replacements.size === 0 ? row.raw : rewriteRow(row, this.#columns, replacements);
  }

  #nonText(column: ColumnMetadata, masked: string | null, nbc: boolean): Replacement {
    if (masked !== null) {
      try {
        return { kind: 'data', data: encodeValueData(masked, column.typeInfo) };
      } catch {
        // A stand-in the type cannot carry (text for a number): fall through to NULL.
      }
    }
    if (nbc || valueFraming(column.typeInfo, 'row') !== 'fixed') return { kind: 'null' };
    return { kind: 'data', data: Buffer.alloc(FIXED_SIZES[column.typeInfo.type] ?? 0) };
  }
}
