import type { Document } from 'bson';
import type { RowFilter } from '@gatehouse/core';
import { isDocument } from '../classify/values.js';
import { filtersFor } from './filter-pattern.js';
import { andFilter, combinedFilter } from './predicate-bson.js';
import { RowFilterRefusal } from './refusal.js';

/** Stages that must open a pipeline: a `$match` cannot go before them. */
const FIRST_ONLY_STAGES = new Set([
  '$changeStream',
  '$collStats',
  '$indexStats',
  '$search',
  '$searchMeta',
  '$vectorSearch',
  '$listSearchIndexes',
  '$currentOp',
  '$listSessions',
  '$listLocalSessions',
  '$planCacheStats',
  '$querySettings',
  '$documents',
]);

const MAX_DEPTH = 20;

/** What a pipeline rewrite needs to know: the database names resolve against, and every filter. */
export interface PipelineScope {
  readonly db: string;
  readonly filters: readonly RowFilter[];
  /** Rules whose filters were applied anywhere in the pipeline. */
  readonly applied: Set<string>;
}

/**
 * The pipeline with every read of a filtered collection limited to the rows policy allows: the
 * collection's own documents by a leading `$match` (`own` filters), and every `$lookup`,
 * `$graphLookup` and `$unionWith` on a filtered collection, at any depth (sub-pipelines, `$facet`).
 * Anything it cannot limit with certainty is refused: a first-only stage on a filtered collection,
 * `$out`/`$merge` into one, a stage it cannot read.
 */
export function rewritePipeline(pipeline: unknown, own: readonly RowFilter[], scope: PipelineScope, depth = 0): Document[] {
  if (depth > MAX_DEPTH) throw refusal(own, scope, 'the aggregation nests pipelines too deeply to be rewritten');
  if (!Array.isArray(pipeline)) throw refusal(own, scope, 'the aggregation pipeline is not an array');
  const stages = (pipeline as unknown[]).map((stage) => rewriteStage(stage, scope, depth));
  if (own.length === 0) return stages;
  for (const filter of own) scope.applied.add(filter.rule);
  const filter = combinedFilter(own);
  const first = stages[0];
  const firstName = first ? Object.keys(first)[0]! : undefined;
  if (firstName === '$geoNear') {
    // $geoNear must stay first; its own `query` is where the filter goes.
    const spec = first![firstName] as Document;
    return [{ $geoNear: { ...spec, query: andFilter(spec['query'], filter) } }, ...stages.slice(1)];
  }
  if (firstName !== undefined && FIRST_ONLY_STAGES.has(firstName)) {
    throw new RowFilterRefusal(own[0]!.rule, `${firstName} must open the pipeline, so the row filter cannot be put before it`);
  }
  return [{ $match: filter }, ...stages];
}

function rewriteStage(stage: unknown, scope: PipelineScope, depth: number): Document {
  if (!isDocument(stage) || Object.keys(stage).length !== 1) throw refusal([], scope, 'an aggregation stage is not a one-field document');
  const name = Object.keys(stage)[0]!;
  const spec: unknown = stage[name];
  switch (name) {
    case '$lookup':
      return { $lookup: rewriteLookup(spec, scope, depth) };
    case '$graphLookup':
      return { $graphLookup: rewriteGraphLookup(spec, scope) };
    case '$unionWith':
      return { $unionWith: rewriteUnionWith(spec, scope, depth) };
    case '$facet': {
      if (!isDocument(spec)) throw refusal([], scope, '$facet is not a document');
      const facets: Document = {};
      for (const [key, sub] of Object.entries(spec)) facets[key] = rewritePipeline(sub, [], scope, depth + 1);
      return { $facet: facets };
    }
    case '$out':
    case '$merge': {
      const target = name === '$merge' && isDocument(spec) ? spec['into'] : spec;
      const ns = namespaceOf(target, scope.db);
      const hit = ns === undefined ? scope.filters : filtersFor(scope.filters, ns);
      if (hit.length > 0) throw new RowFilterRefusal(hit[0]!.rule, `${name} would write documents the gateway cannot check into a filtered collection`);
      return stage;
    }
    default:
      return stage;
  }
}

function rewriteLookup(spec: unknown, scope: PipelineScope, depth: number): Document {
  if (!isDocument(spec)) throw refusal([], scope, '$lookup is not a document');
  const own = spec['from'] === undefined ? [] : filtersOfNamespace(spec['from'], scope, '$lookup');
  if (spec['pipeline'] !== undefined) return { ...spec, pipeline: rewritePipeline(spec['pipeline'], own, scope, depth + 1) };
  if (own.length === 0) return spec;
  if (spec['localField'] === undefined || spec['foreignField'] === undefined) throw refusal(own, scope, '$lookup has neither a pipeline nor localField/foreignField');
  // The equality form gets a pipeline next to localField/foreignField (MongoDB 5.0+): the joined
  // documents are the filtered ones, and the join keeps its exact array semantics. An older server
  // refuses the stage, so nothing unfiltered is returned.
  for (const filter of own) scope.applied.add(filter.rule);
  return { ...spec, pipeline: [{ $match: combinedFilter(own) }] };
}

function rewriteGraphLookup(spec: unknown, scope: PipelineScope): Document {
  if (!isDocument(spec)) throw refusal([], scope, '$graphLookup is not a document');
  const own = filtersOfNamespace(spec['from'], scope, '$graphLookup');
  if (own.length === 0) return spec;
  for (const filter of own) scope.applied.add(filter.rule);
  // restrictSearchWithMatch limits every document the traversal reads, at every depth.
  return { ...spec, restrictSearchWithMatch: andFilter(spec['restrictSearchWithMatch'], combinedFilter(own)) };
}

function rewriteUnionWith(spec: unknown, scope: PipelineScope, depth: number): Document | string {
  if (typeof spec === 'string') {
    const own = filtersOfNamespace(spec, scope, '$unionWith');
    if (own.length === 0) return spec;
    return { coll: spec, pipeline: rewritePipeline([], own, scope, depth + 1) };
  }
  if (!isDocument(spec)) throw refusal([], scope, '$unionWith is neither a collection name nor a document');
  const own = spec['coll'] === undefined ? [] : filtersOfNamespace(spec, scope, '$unionWith');
  if (spec['pipeline'] === undefined && own.length === 0) return spec;
  return { ...spec, pipeline: rewritePipeline(spec['pipeline'] ?? [], own, scope, depth + 1) };
}

/** Filters of a stage's foreign collection; a name that cannot be read is refused when any filter exists. */
function filtersOfNamespace(value: unknown, scope: PipelineScope, stage: string): RowFilter[] {
  const ns = namespaceOf(value, scope.db);
  if (ns === undefined) throw refusal([], scope, `${stage} names its collection in a form the gateway cannot read`);
  return filtersFor(scope.filters, ns);
}

/** `db.collection` of a stage's target: a name, or `{db, coll}`. */
function namespaceOf(value: unknown, db: string): string | undefined {
  if (typeof value === 'string' && value.length > 0) return `${db}.${value}`;
  if (isDocument(value)) {
    const targetDb: unknown = value['db'] ?? db;
    const coll: unknown = value['coll'];
    if (typeof targetDb === 'string' && typeof coll === 'string' && coll.length > 0) return `${targetDb}.${coll}`;
  }
  return undefined;
}

function refusal(own: readonly RowFilter[], scope: PipelineScope, message: string): RowFilterRefusal {
  return new RowFilterRefusal((own[0] ?? scope.filters[0])?.rule ?? 'row-filter', message);
}
