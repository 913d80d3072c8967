import type { Action, ColumnLineage, MaskObligation, MaskPlan, Masker, ResultColumn } from '@gatehouse/core';
import type { Frame } from '../protocol/frame.js';
import { dataRowValue, rewriteDataRow, scanDataRow } from '../protocol/messages/rows.js';
import type { DataRowLayout, FieldDescription } from '../protocol/messages/rows.js';
import type { CatalogLookup, CatalogTable } from './catalog.js';
import type { CopyOutFormat } from './copy-format.js';
import { CopyRowMasker } from './copy-masking.js';
import { JSONB_OID, binaryIsText, maxLengthOf, typeClassOf } from './type-classes.js';

/** A compiled plan bound to one result set's wire formats. */
export interface RowMasker {
  readonly plan: MaskPlan;
  /** The DataRow to send: the original bytes when nothing changed. */
  mask(frame: Frame): Buffer;
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

function tableOids(fields: readonly FieldDescription[]): number[] {
  return [...new Set(fields.map((field) => field.tableOid).filter((oid) => oid > 0))];
}

/**
 * Builds the mask plan for a RowDescription: names come from the catalog (table OID, attribute
 * number → schema, table, column), cached; returns a promise only when the catalog must be asked.
 */
export function rowMaskerFor(
  fields: readonly FieldDescription[],
  obligation: MaskObligation,
  actions: readonly Action[],
  context: { masker: Masker; catalog: CatalogLookup; database: string },
): RowMasker | undefined | Promise<RowMasker | undefined> {
  const oids = tableOids(fields);
  const cached = oids.length === 0 ? new Map<number, CatalogTable>() : context.catalog.cached(oids);
  if (cached) return compile(fields, obligation, actions, cached, context);
  return context.catalog.tables(oids).then((tables) => compile(fields, obligation, actions, tables, context));
}

function compile(
  fields: readonly FieldDescription[],
  obligation: MaskObligation,
  actions: readonly Action[],
  tables: ReadonlyMap<number, CatalogTable>,
  context: { masker: Masker; database: string },
): RowMasker | undefined {
  const columns: ResultColumn[] = fields.map((field) => {
    const table = tables.get(field.tableOid);
    const column = table?.columns.get(field.columnAttr);
    const maxLength = maxLengthOf(field.typeOid, field.typeMod);
    return {
      name: field.name,
      ...(table ? { table: `${context.database}.${table.schema}.${table.table}` } : {}),
      ...(column ? { column } : {}),
      typeClass: typeClassOf(field.typeOid),
      ...(maxLength !== undefined ? { maxLength } : {}),
    };
  });
  const lineage = lineageOf(actions);
  const plan = context.masker.compilePlan({ obligation, columns, ...(lineage ? { lineage } : {}), dialect: 'postgres' });
  if (!plan.active) return undefined;
  return new WireRowMasker(plan, fields);
}

class WireRowMasker implements RowMasker {
  readonly plan: MaskPlan;
  readonly #fields: readonly FieldDescription[];
  readonly #replacements = new Map<number, Uint8Array | null>();
  #layout: DataRowLayout | undefined;

  constructor(plan: MaskPlan, fields: readonly FieldDescription[]) {
    this.plan = plan;
    this.#fields = fields;
  }

  mask(frame: Frame): Buffer {
    const layout = (this.#layout = scanDataRow(frame, this.#layout));
    const replacements = this.#replacements;
    replacements.clear();
    for (const index of this.plan.maskedColumns) {
      if (index >= layout.columnCount) continue;
      const value = dataRowValue(frame, layout, index);
      if (value === null) continue;
      const masked = this.#maskValue(index, value);
      if (masked !== value) replacements.set(index, masked);
    }
    return replacements.size === 0 ? frame.raw : rewriteDataRow(frame, replacements, layout);
  }

  #maskValue(index: number, value: Buffer): Uint8Array | null {
    const field = this.#fields[index]!;
    if (field.format === 0 || binaryIsText(field.typeOid)) return this.plan.maskTextValue(index, value);
    if (field.typeOid === JSONB_OID && value[0] === 1) {
      const text = value.subarray(1);
      const masked = this.plan.maskTextValue(index, text);
      if (masked === null) return null;
      return masked === text ? value : Buffer.concat([value.subarray(0, 1), masked]);
    }
    // A binary value of any other type cannot be rewritten as text safely: it becomes NULL.
    return null;
  }
}

/**
 * The masker for COPY … TO STDOUT rows. Columns come from the classifier's lineage, or for
 * `COPY table` (lineage `table.*`) from the catalog in attribute order. Undefined when nothing
 * needs masking; a CopyRowError-worthy mismatch (column count) is reported as 'unmaskable'.
 */
export async function copyMaskerFor(
  columnCount: number,
  format: CopyOutFormat,
  obligation: MaskObligation,
  actions: readonly Action[],
  context: { masker: Masker; catalog: CatalogLookup; database: string },
): Promise<CopyRowMasker | undefined | 'unmaskable'> {
  const lineage = actions.find((action) => action.operation === 'COPY')?.lineage ?? [];
  const star = lineage.find((entry) => entry.output === '*');
  let columns: ResultColumn[];
  if (star) {
    const source = star.sources[0];
    const parts = source?.split('.') ?? [];
    if (parts.length !== 4) return 'unmaskable';
    const [database, schema, table] = parts as [string, string, string];
    const catalogColumns = await context.catalog.columnsOf(schema, table);
    columns = catalogColumns.map((column) => ({
      name: column.name,
      table: `${database}.${schema}.${table}`,
      column: column.name,
      typeClass: typeClassOf(column.typeOid),
    }));
  } else {
    columns = [...lineage]
      .sort((a, b) => (a.position ?? 0) - (b.position ?? 0))
      .map((entry) => ({ name: entry.output, typeClass: 'text' as const }));
  }
  if (columns.length !== columnCount) return 'unmaskable';
  const plan = context.masker.compilePlan({ obligation, columns, ...(star ? {} : { lineage }), dialect: 'postgres' });
  return plan.active ? new CopyRowMasker(plan, format) : undefined;
}
