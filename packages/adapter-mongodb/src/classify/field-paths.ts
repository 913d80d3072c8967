import type { Document } from 'bson';
import { isDocument } from './values.js';

const MAX_PATHS = 256;
const MAX_DEPTH = 32;

/**
 * Field paths a filter names: keys that are not operators, through $and/$or/$nor and $elemMatch
 * (nested as `parent.child`). Values are never looked at beyond their structure.
 */
export function filterPaths(filter: unknown, into: Set<string>, prefix = '', depth = 0): void {
  if (!isDocument(filter) || depth > MAX_DEPTH) return;
  for (const key of Object.keys(filter)) {
    if (into.size >= MAX_PATHS) return;
    const value: unknown = filter[key];
    if (key === '$and' || key === '$or' || key === '$nor') {
      if (Array.isArray(value)) for (const item of value) filterPaths(item, into, prefix, depth + 1);
      continue;
    }
    if (key.startsWith('$')) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    into.add(path);
    if (isDocument(value) && isDocument(value['$elemMatch'])) filterPaths(value['$elemMatch'], into, path, depth + 1);
  }
}

/** Keys of a projection or sort document. */
export function keyPaths(document: unknown, into: Set<string>): void {
  if (!isDocument(document)) return;
  for (const key of Object.keys(document)) {
    if (into.size >= MAX_PATHS) return;
    if (!key.startsWith('$')) into.add(key);
  }
}

/** Fields an update names: keys inside `$set`-style operators, or a replacement's keys; pipelines: `$set`/`$addFields`/`$unset` stages. */
export function updatePaths(update: unknown, into: Set<string>): void {
  if (Array.isArray(update)) {
    for (const stage of update) {
      if (!isDocument(stage)) continue;
      for (const name of ['$set', '$addFields', '$project', '$replaceWith']) keyPaths(stage[name], into);
      const unset: unknown = stage['$unset'];
      if (typeof unset === 'string') into.add(unset);
      else if (Array.isArray(unset)) for (const field of unset) if (typeof field === 'string') into.add(field);
    }
    return;
  }
  if (!isDocument(update)) return;
  for (const key of Object.keys(update)) {
    const value: unknown = update[key];
    if (key.startsWith('$')) keyPaths(value, into);
    else into.add(key);
  }
}

/** Fields a pipeline's top level names in $match / $project / $sort / $group keys. */
export function pipelinePaths(pipeline: readonly Document[], into: Set<string>): void {
  for (const stage of pipeline) {
    if (!isDocument(stage)) continue;
    filterPaths(stage['$match'], into);
    keyPaths(stage['$project'], into);
    keyPaths(stage['$sort'], into);
  }
}
