/** Operations on query output columns: renaming by alias lists, set operations. */
import type { OutputColumn } from './scope.js';

export function renameColumns(columns: readonly OutputColumn[], names: readonly string[]): OutputColumn[] {
  if (names.length === 0) return [...columns];
  return columns.map((column, index) => (names[index] === undefined ? column : { ...column, name: names[index] }));
}

export function mergeSetOperation(left: readonly OutputColumn[], right: readonly OutputColumn[]): OutputColumn[] {
  const out: OutputColumn[] = [];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const l = left[i];
    const r = right[i];
    const first = l ?? r!;
    out.push({
      name: first.name,
      sources: unique([...(l?.sources ?? []), ...(r?.sources ?? [])]),
      direct: (l?.direct ?? true) && (r?.direct ?? true),
      ...(l?.star || r?.star ? { star: true } : {}),
    });
  }
  return out;
}

export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
