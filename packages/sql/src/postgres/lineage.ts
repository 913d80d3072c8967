import type { ColumnLineage } from '@gatehouse/core';
import type { OutputColumn } from './scope.js';

/**
 * Output columns → lineage entries. Positions are given while the statement fixes them: after a
 * star over a table whose columns we do not know, later positions are left out.
 */
export function toLineage(outputs: readonly OutputColumn[]): ColumnLineage[] {
  const lineage: ColumnLineage[] = [];
  let positionKnown = true;
  outputs.forEach((output, index) => {
    const sources = [...new Set(output.sources)];
    lineage.push(
      positionKnown
        ? { output: output.name, position: index, sources, direct: output.direct }
        : { output: output.name, sources, direct: output.direct },
    );
    if (output.star) positionKnown = false;
  });
  return lineage;
}
