import type { ColumnLineage, Flag, ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import { unknownStatement } from '../dialect-module.js';
import { atLeast } from './result.js';

/**
 * One classification covering every view a server may execute (see executableViews): the most
 * powerful category (its operation), every object and flag, and per output position the sources
 * of all views, so a column one view reads is masked whatever the server runs. Any unknown view
 * makes the whole statement unknown.
 */
export function mergeViews(results: readonly StatementClassification[]): StatementClassification {
  if (results.length === 1) return results[0]!;
  const flags = new Set<Flag>();
  for (const result of results) for (const flag of result.flags) flags.add(flag);
  if (results.some((r) => r.category === 'unknown')) return unknownStatement(...new Set<Flag>(['parse-error', ...flags]));

  let strongest = results[0]!;
  for (const result of results) if (atLeast(strongest.category, result.category) !== strongest.category) strongest = result;
  const functions = new Set<string>();
  for (const result of results) for (const fn of result.functions ?? []) functions.add(fn);
  const lineage = mergeLineage(results);
  return {
    category: strongest.category,
    operation: strongest.operation,
    objects: mergeObjects(results.flatMap((r) => r.objects)),
    flags: [...flags],
    ...(lineage ? { lineage } : {}),
    ...(functions.size > 0 ? { functions: [...functions] } : {}),
  };
}

function mergeObjects(objects: readonly ObjectRef[]): ObjectRef[] {
  const merged = new Map<string, { ref: ObjectRef; columns: Set<string> }>();
  for (const object of objects) {
    const key = `${object.access}\u0000${object.kind}\u0000${object.name}`;
    const entry = merged.get(key) ?? { ref: object, columns: new Set<string>() };
    for (const column of object.columns ?? []) entry.columns.add(column);
    merged.set(key, entry);
  }
  return [...merged.values()].map(({ ref, columns }) =>
    columns.size > 0 ? { name: ref.name, kind: ref.kind, access: ref.access, columns: [...columns] } : { name: ref.name, kind: ref.kind, access: ref.access },
  );
}

/** Per index: the first view's output name, every view's sources; direct only if direct everywhere. */
function mergeLineage(results: readonly StatementClassification[]): ColumnLineage[] | undefined {
  const all = results.map((r) => r.lineage).filter((l): l is readonly ColumnLineage[] => l !== undefined);
  if (all.length === 0) return undefined;
  const width = Math.max(...all.map((l) => l.length));
  const merged: ColumnLineage[] = [];
  for (let i = 0; i < width; i++) {
    const entries = all.map((l) => l[i]).filter((e): e is ColumnLineage => e !== undefined);
    const first = entries[0]!;
    const sameShape = entries.every((e) => e.position === first.position);
    merged.push({
      output: first.output,
      ...(sameShape && first.position !== undefined ? { position: first.position } : {}),
      sources: [...new Set(entries.flatMap((e) => e.sources))],
      direct: entries.every((e) => e.direct),
    });
  }
  return merged;
}
