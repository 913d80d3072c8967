import type { Document } from 'bson';
import type { ObjectRef, RowFilter, RowPredicate } from '@gatehouse/core';
import { isDocument, truthy } from '../classify/values.js';
import { documentSatisfies } from './document-check.js';
import { filtersFor } from './filter-pattern.js';
import { andFilter, columnsOf, combinedFilter } from './predicate-bson.js';
import { RowFilterRefusal } from './refusal.js';
import { rewritePipeline } from './rewrite-pipeline.js';
import type { PipelineScope } from './rewrite-pipeline.js';

/** Decoded kind 1 document sequences by identifier (`updates`, `deletes`, `documents`). */
export type DecodedSequences = ReadonlyMap<string, readonly Document[]>;

export interface RowFilterRewrite {
  /** The command to send instead of the client's. */
  readonly command: Document;
  /** Sequences whose documents changed (others go as they came). */
  readonly sequences: ReadonlyMap<string, Document[]>;
  /** The rules whose filters were applied. */
  readonly rules: readonly string[];
}

/** Commands that touch no documents of their collection beyond what an earlier, filtered command opened. */
const PASS_THROUGH = new Set(['getMore', 'killCursors', 'listIndexes']);

/**
 * The command limited to the documents the row filters allow, or undefined when no filter applies
 * to anything it touches. `find`, `count`, `distinct`, `update`, `delete` and `findAndModify` get
 * the filter ANDed into theirs; aggregation pipelines get it as a leading `$match` (and in every
 * `$lookup`/`$graphLookup`/`$unionWith` on a filtered collection); inserted documents must lie
 * inside it. Throws RowFilterRefusal for anything on a filtered collection it cannot limit with
 * certainty: the command is then refused, never forwarded unfiltered.
 */
export function rewriteForRowFilters(
  db: string,
  command: Document,
  sequences: DecodedSequences,
  filters: readonly RowFilter[],
  objects: readonly ObjectRef[],
): RowFilterRewrite | undefined {
  if (filters.length === 0) return undefined;
  const name = Object.keys(command)[0] ?? '';
  const target: unknown = command[name];
  const own = typeof target === 'string' ? filtersFor(filters, `${db}.${target}`) : [];
  const rewritten = new Map<string, Document[]>();
  let next: Document | undefined;
  const applied = new Set<string>(own.map((filter) => filter.rule));
  switch (name) {
    case 'find':
      next = own.length === 0 ? undefined : { ...command, filter: andFilter(command['filter'], combinedFilter(own)) };
      break;
    case 'count':
    case 'distinct':
      next = own.length === 0 ? undefined : { ...command, query: andFilter(command['query'], combinedFilter(own)) };
      break;
    case 'update':
    case 'delete': {
      if (own.length === 0) break;
      const field = name === 'update' ? 'updates' : 'deletes';
      const statements = statementsOf(command, sequences, field, own);
      const limited = statements.map((statement) => limitStatement(statement, own, name === 'update'));
      if (sequences.has(field)) {
        rewritten.set(field, limited);
        next = command;
      } else {
        next = { ...command, [field]: limited };
      }
      break;
    }
    case 'findAndModify':
    case 'findandmodify':
      if (own.length === 0) break;
      refuseCollation(command, own);
      if (!truthy(command['remove'])) checkUpdate(command['update'], truthy(command['upsert']), own);
      next = { ...command, query: andFilter(command['query'], combinedFilter(own)) };
      break;
    case 'insert':
      if (own.length === 0) break;
      checkInserts(statementsOf(command, sequences, 'documents', own), own);
      next = command;
      break;
    case 'aggregate': {
      // A change stream on a whole database or cluster carries every collection's documents,
      // filtered ones included, and a filter cannot be put in front of it.
      if (typeof target !== 'string' && opensWithChangeStream(command['pipeline'])) {
        throw new RowFilterRefusal(filters[0]!.rule, 'a change stream on a whole database or cluster would include filtered collections; watch the collection instead');
      }
      const scope: PipelineScope = { db, filters, applied: new Set() };
      const pipeline = rewritePipeline(command['pipeline'], own, scope);
      if (scope.applied.size === 0) break;
      for (const rule of scope.applied) applied.add(rule);
      next = { ...command, pipeline };
      break;
    }
    case 'explain': {
      const inner: unknown = command['explain'];
      if (!isDocument(inner)) break;
      const limited = rewriteForRowFilters(db, inner, new Map(), filters, objects);
      if (limited) {
        for (const rule of limited.rules) applied.add(rule);
        next = { ...command, explain: limited.command };
      }
      break;
    }
    default:
      if (PASS_THROUGH.has(name)) return undefined;
      refuseUnrewritable(name, filters, objects);
      return undefined;
  }
  if (next === undefined) {
    // Nothing applied to the command's own collection: whatever else it names must be unfiltered.
    if (name !== 'aggregate' && name !== 'explain') refuseUnrewritable(name, filters, objects.slice(1));
    return undefined;
  }
  if (name !== 'update' && name !== 'delete') refuseCollation(next, own.length > 0 ? own : filters);
  return { command: next, sequences: rewritten, rules: [...applied] };
}

/** A command the gateway has no rewrite for, on a collection with a filter: refused. */
function refuseUnrewritable(name: string, filters: readonly RowFilter[], objects: readonly ObjectRef[]): void {
  for (const object of objects) {
    if (object.kind !== 'collection') continue;
    const hit = filtersFor(filters, object.name);
    if (hit.length > 0) throw new RowFilterRefusal(hit[0]!.rule, `${name || 'this command'} cannot be limited to the rows the row filter allows`);
  }
}

/**
 * A client collation changes how strings compare (`eu` could equal `EU` or `éu`), so the filter
 * would no longer mean what policy says: refused where a filter applies.
 */
function refuseCollation(command: Document, filters: readonly RowFilter[]): void {
  if (command['collation'] !== undefined && filters.length > 0) {
    throw new RowFilterRefusal(filters[0]!.rule, 'a collation would change how the row filter compares strings; send the command without one');
  }
}

function statementsOf(command: Document, sequences: DecodedSequences, field: string, own: readonly RowFilter[]): readonly Document[] {
  const fromSequence = sequences.get(field);
  const fromBody: unknown = command[field];
  if (fromSequence) return fromSequence;
  if (!Array.isArray(fromBody)) throw new RowFilterRefusal(own[0]!.rule, `${field} is not an array`);
  return fromBody as Document[];
}

function limitStatement(statement: unknown, own: readonly RowFilter[], isUpdate: boolean): Document {
  if (!isDocument(statement)) throw new RowFilterRefusal(own[0]!.rule, 'a write statement is not a document');
  refuseCollation(statement, own);
  if (isUpdate) checkUpdate(statement['u'], truthy(statement['upsert']), own);
  return { ...statement, q: andFilter(statement['q'], combinedFilter(own)) };
}

function checkInserts(documents: readonly unknown[], own: readonly RowFilter[]): void {
  documents.forEach((document, index) => {
    for (const filter of own) {
      if (!isDocument(document) || !documentSatisfies(document, filter.predicate)) {
        throw new RowFilterRefusal(filter.rule, `document ${index + 1} of the insert lies outside the rows the row filter allows`);
      }
    }
  });
}

/**
 * An update may not move a document out of the rows policy allows: it may not change a field a
 * filter reads; a replacement must itself lie inside the filter; an upsert must be able to seed
 * the filter's fields from its query (equality only).
 */
function checkUpdate(update: unknown, upsert: boolean, own: readonly RowFilter[]): void {
  const rule = own[0]!.rule;
  if (Array.isArray(update)) throw new RowFilterRefusal(rule, 'pipeline-style updates on a filtered collection are not checked; use update operators');
  if (!isDocument(update)) throw new RowFilterRefusal(rule, 'the update is not a document');
  const keys = Object.keys(update);
  const operators = keys.filter((key) => key.startsWith('$'));
  if (operators.length === 0) {
    for (const filter of own) {
      if (!documentSatisfies(update, filter.predicate)) throw new RowFilterRefusal(filter.rule, 'the replacement document lies outside the rows the row filter allows');
    }
    return;
  }
  if (operators.length !== keys.length) throw new RowFilterRefusal(rule, 'the update mixes operators and fields');
  for (const filter of own) {
    const columns = [...columnsOf(filter.predicate)];
    for (const operator of operators) {
      const spec: unknown = update[operator];
      if (!isDocument(spec)) throw new RowFilterRefusal(filter.rule, `${operator} is not a document`);
      const paths = Object.keys(spec);
      if (operator === '$rename') for (const value of Object.values(spec)) paths.push(String(value));
      if (paths.some((path) => columns.some((column) => overlaps(path, column)))) {
        throw new RowFilterRefusal(filter.rule, `the update changes a field the row filter reads (${operator})`);
      }
    }
    if (upsert && !equalitiesOnly(filter.predicate)) {
      throw new RowFilterRefusal(filter.rule, 'an upsert cannot seed this row filter (it is not a plain equality); insert the document instead');
    }
  }
}

function opensWithChangeStream(pipeline: unknown): boolean {
  const first: unknown = Array.isArray(pipeline) ? pipeline[0] : undefined;
  return isDocument(first) && first['$changeStream'] !== undefined;
}

function equalitiesOnly(predicate: RowPredicate): boolean {
  if (predicate.kind === 'eq') return true;
  if (predicate.kind === 'and') return predicate.predicates.every(equalitiesOnly);
  return false;
}

/** Two field paths overlap when one is a prefix of the other; positional segments match anything. */
function overlaps(a: string, b: string): boolean {
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i]!;
    const y = right[i]!;
    if (x.startsWith('$') || y.startsWith('$') || /^\d+$/.test(x) || /^\d+$/.test(y)) continue;
    if (x !== y) return false;
  }
  return true;
}
