import type { Document } from 'bson';
import type { MaskObligation } from '@gatehouse/core';
import { isDocument, numberOf } from '../classify/values.js';

/**
 * Stages that keep every field under its own name (they filter, order or drop, never rename).
 * `$unwind` qualifies: the unwound field keeps its name and now holds one element of the array that
 * the same rule would have masked element by element; `includeArrayIndex` adds only a position.
 */
const NAME_PRESERVING_STAGES = new Set(['$match', '$sort', '$limit', '$skip', '$sample', '$unset', '$count', '$changeStream', '$project', '$unwind']);

/** A projection that only includes or excludes fields (or slices/filters arrays in place). */
function isPlainProjection(projection: unknown): boolean {
  if (projection === undefined || projection === null) return true;
  if (!isDocument(projection)) return false;
  return Object.values(projection).every((value: unknown) => {
    if (typeof value === 'boolean') return true;
    const n = numberOf(value);
    if (n !== undefined) return true;
    if (isDocument(value)) {
      const keys = Object.keys(value);
      return keys.length === 1 && ['$slice', '$elemMatch', '$meta'].includes(keys[0]!);
    }
    return false;
  });
}

/**
 * Column rules name fields (`db.collection.field`); a result whose fields were renamed or computed
 * ($group, $addFields, $lookup, an expression projection) no longer carries those names, so the
 * rules could not find them. Such a command is refused under column masking rather than leaked.
 * Returns the reason, or undefined when masking can follow the result. Content detectors do not
 * depend on names and never block.
 */
export function maskingBlocker(command: string, body: Document, obligation: MaskObligation): string | undefined {
  if (obligation.columns.length === 0) return undefined;
  if (command === 'aggregate') {
    const pipeline: unknown = body['pipeline'];
    if (!Array.isArray(pipeline)) return 'the aggregation pipeline cannot be read';
    for (const stage of pipeline as unknown[]) {
      if (!isDocument(stage)) return 'the aggregation pipeline cannot be read';
      for (const name of Object.keys(stage)) {
        if (!NAME_PRESERVING_STAGES.has(name) || (name === '$project' && !isPlainProjection(stage[name]))) {
          return `this aggregation reshapes documents (${name}), so field masking cannot follow it; query the fields by their own names`;
        }
      }
    }
    return undefined;
  }
  if (command === 'find' && !isPlainProjection(body['projection'])) {
    return 'this projection computes or renames fields, so field masking cannot follow it; project fields by their own names';
  }
  if ((command === 'findAndModify' || command === 'findandmodify') && !isPlainProjection(body['fields'])) {
    return 'this projection computes or renames fields, so field masking cannot follow it';
  }
  return undefined;
}
