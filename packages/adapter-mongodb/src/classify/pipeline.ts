import type { Document } from 'bson';
import { isDocument } from './values.js';

/** What an aggregation pipeline touches besides its own collection. */
export interface PipelineAnalysis {
  /** Namespaces read by $lookup, $graphLookup, $unionWith (also inside sub-pipelines and $facet). */
  readonly reads: Set<string>;
  /** Namespaces written by $out / $merge. */
  readonly writes: Set<string>;
  /** Stages that report on the server rather than a collection ($currentOp, $listSessions, …). */
  readonly adminStages: Set<string>;
  readonly changeStream: boolean;
  /** Something could not be read with certainty (a non-string `from`, a non-array pipeline). */
  doubtful: boolean;
}

const ADMIN_STAGES = new Set(['$currentOp', '$listSessions', '$listLocalSessions', '$planCacheStats', '$listSampledQueries', '$shardedDataDistribution', '$queryStats']);
const MAX_DEPTH = 20;

export function analysePipeline(db: string, pipeline: unknown): PipelineAnalysis {
  const result: PipelineAnalysis = { reads: new Set(), writes: new Set(), adminStages: new Set(), changeStream: false, doubtful: false };
  walk(db, pipeline, result, 0);
  return result;
}

function namespace(db: string, value: unknown, result: PipelineAnalysis, dbKey = 'db', collKey = 'coll'): string | undefined {
  if (typeof value === 'string' && value.length > 0) return `${db}.${value}`;
  if (isDocument(value)) {
    const targetDb: unknown = value[dbKey] ?? db;
    const coll: unknown = value[collKey];
    if (typeof targetDb === 'string' && typeof coll === 'string' && coll.length > 0) return `${targetDb}.${coll}`;
  }
  result.doubtful = true;
  return undefined;
}

function walk(db: string, pipeline: unknown, result: PipelineAnalysis, depth: number): void {
  if (depth > MAX_DEPTH || !Array.isArray(pipeline)) {
    result.doubtful = true;
    return;
  }
  for (const stage of pipeline as unknown[]) {
    if (!isDocument(stage)) {
      result.doubtful = true;
      continue;
    }
    const names = Object.keys(stage);
    if (names.length !== 1) result.doubtful = true;
    for (const name of names) {
      const spec: unknown = (stage as Document)[name];
      if (ADMIN_STAGES.has(name)) result.adminStages.add(name);
      switch (name) {
        case '$changeStream':
          (result as { changeStream: boolean }).changeStream = true;
          break;
        case '$lookup':
        case '$graphLookup': {
          if (!isDocument(spec)) {
            result.doubtful = true;
            break;
          }
          // `from` may be omitted in a $lookup that only runs a sub-pipeline over $documents.
          if (spec['from'] !== undefined) {
            const ns = namespace(db, spec['from'], result);
            if (ns) result.reads.add(ns);
          }
          if (spec['pipeline'] !== undefined) walk(db, spec['pipeline'], result, depth + 1);
          break;
        }
        case '$unionWith': {
          if (typeof spec === 'string') {
            result.reads.add(`${db}.${spec}`);
            break;
          }
          if (!isDocument(spec)) {
            result.doubtful = true;
            break;
          }
          if (spec['coll'] !== undefined) {
            const ns = namespace(db, spec, result);
            if (ns) result.reads.add(ns);
          }
          if (spec['pipeline'] !== undefined) walk(db, spec['pipeline'], result, depth + 1);
          break;
        }
        case '$facet':
          if (!isDocument(spec)) {
            result.doubtful = true;
            break;
          }
          for (const sub of Object.values(spec)) walk(db, sub, result, depth + 1);
          break;
        case '$out': {
          const ns = namespace(db, spec, result);
          if (ns) result.writes.add(ns);
          break;
        }
        case '$merge': {
          const into: unknown = isDocument(spec) ? spec['into'] : spec;
          const ns = namespace(db, into, result);
          if (ns) result.writes.add(ns);
          break;
        }
        default:
          break;
      }
    }
  }
}
