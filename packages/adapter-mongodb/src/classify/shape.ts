import type { Document } from 'bson';
import { isDocument } from './values.js';

/**
 * Driver envelope fields: session ids, cluster-time signatures, read preferences, API versions.
 * They say nothing about what a command does, change on every call, and `$clusterTime` carries a
 * signature, so they are left out of both the fingerprint and the redacted text.
 */
export const ENVELOPE_FIELDS = new Set([
  'lsid',
  '$clusterTime',
  'txnNumber',
  'autocommit',
  '$readPreference',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  '$audit',
  '$client',
  'comment',
  'maxTimeMS',
  'readConcern',
  'writeConcern',
]);

/**
 * Where a string value names an object (collection, database, field path) rather than data: kept
 * in the redacted text. Keyed by the enclosing key ('#command' for the command's top level), so a filter
 * field that happens to be called `from` or `db` is still redacted. Everything else becomes `?`.
 */
const IDENTIFIER_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  '#command': new Set(['$db', 'to', 'key']),
  $lookup: new Set(['from', 'as', 'localField', 'foreignField']),
  $graphLookup: new Set(['from', 'as', 'connectFromField', 'connectToField']),
  $unionWith: new Set(['coll']),
  $out: new Set(['db', 'coll']),
  $merge: new Set(['into', 'db', 'coll']),
  into: new Set(['db', 'coll']),
};
/** Stages whose whole value may be a collection name. */
const NAME_VALUED_STAGES = new Set(['$out', '$unionWith', '$merge']);

/**
 * Every element name whose string value the shape may show (under some parent): what a key for
 * "same shape" must keep verbatim wherever it appears (shape-key.ts).
 */
export const SHAPE_IDENTIFIER_NAMES: ReadonlySet<string> = new Set([...Object.values(IDENTIFIER_FIELDS).flatMap((names) => [...names]), ...NAME_VALUED_STAGES]);

/** Fields that hold whole data documents: their keys can be data too, so they are collapsed. */
const DATA_DOCUMENT_FIELDS = new Set(['documents', 'document']);

const MAX_DEPTH = 64;

/**
 * The command as JSON with every value replaced by `?` (identifiers kept), key order as sent. With
 * `collapse`, arrays of scalars become one `?` and arrays of documents one entry per distinct shape,
 * so the fingerprint is stable across literal values and list lengths.
 */
export function commandShape(command: Document, options: { collapse: boolean }): string {
  const keys = Object.keys(command);
  const parts: string[] = [];
  keys.forEach((key, index) => {
    if (ENVELOPE_FIELDS.has(key)) return;
    const value: unknown = command[key];
    // The command's own value is the collection name (or 1): an identifier.
    const shown = index === 0 ? (typeof value === 'string' ? JSON.stringify(value) : '"?"') : shapeOf(key, value, options.collapse, 1, '#command');
    parts.push(`${JSON.stringify(key)}:${shown}`);
  });
  return `{${parts.join(',')}}`;
}

function shapeOf(key: string, value: unknown, collapse: boolean, depth: number, parent: string): string {
  if (depth > MAX_DEPTH) return '"?"';
  if (typeof value === 'string' && (IDENTIFIER_FIELDS[parent]?.has(key) || NAME_VALUED_STAGES.has(key))) return JSON.stringify(value);
  if (DATA_DOCUMENT_FIELDS.has(key)) return Array.isArray(value) ? '["?"]' : '"?"';
  if (Array.isArray(value)) {
    // Array items keep the array's key as their context (pipelines: each stage is a document).
    const shapes = value.map((item) => shapeOf('#item', item, collapse, depth + 1, key));
    if (!collapse) return `[${shapes.join(',')}]`;
    return `[${[...new Set(shapes)].join(',')}]`;
  }
  if (isDocument(value)) {
    const parts = Object.keys(value).map((k) => `${JSON.stringify(k)}:${shapeOf(k, value[k], collapse, depth + 1, key)}`);
    return `{${parts.join(',')}}`;
  }
  return '"?"';
}
