import type { Document } from 'bson';
import type { Action, Category, Flag, ObjectRef } from '@gatehouse/core';
import { COLLECTION_COMMANDS, COMMAND_CATEGORIES } from './command-table.js';
import { filterPaths, keyPaths, pipelinePaths, updatePaths } from './field-paths.js';
import { analysePipeline } from './pipeline.js';
import { runsServerScript } from './server-script.js';
import { commandShape } from './shape.js';
import { isDocument, isEmptyFilter, numberOf, truthy } from './values.js';

/** Kind 1 document sequences of an OP_MSG, decoded, by identifier (`updates`, `deletes`, `ops`, …). */
export type CommandSequences = ReadonlyMap<string, readonly Document[]>;

/** A doubt found while classifying: the command becomes `unknown` with `parse-error`. */
class Doubt extends Error {}

function doubt(message: string): never {
  throw new Doubt(message);
}

interface Draft {
  category: Category;
  objects: ObjectRef[];
  flags: Set<Flag>;
}

function collection(db: string, name: unknown, access: ObjectRef['access'], columns?: Set<string>): ObjectRef {
  if (typeof name !== 'string' || name.length === 0 || name.includes('\0')) doubt('collection name is not a non-empty string');
  return { name: `${db}.${name}`, kind: 'collection', access, ...(columns && columns.size > 0 ? { columns: [...columns] } : {}) };
}

function database(db: string, access: ObjectRef['access']): ObjectRef {
  return { name: db, kind: 'database', access };
}

function documents(command: Document, sequences: CommandSequences, field: string): readonly Document[] {
  const fromSequence = sequences.get(field);
  const fromBody: unknown = command[field];
  if (fromSequence && fromBody !== undefined) doubt(`${field} given both in the body and as a document sequence`);
  if (fromSequence) return fromSequence;
  if (fromBody === undefined) return [];
  if (!Array.isArray(fromBody)) doubt(`${field} is not an array`);
  return fromBody as Document[];
}

/**
 * Turns one MongoDB command (the OP_MSG body, plus its document sequences) into the actions policy
 * decides. Never throws: anything it cannot read with certainty is an `unknown` action flagged
 * `parse-error`. No literal value from the command appears in the result: objects are names,
 * columns are field paths, and the texts are the command's shape with every value replaced.
 */
export function classifyMongoCommand(db: string, command: Document, sequences: CommandSequences = new Map()): Action[] {
  const name = Object.keys(command)[0] ?? '';
  const texts = shapeTexts(command);
  let draft: Draft;
  try {
    if (typeof db !== 'string' || db.length === 0) doubt('no $db');
    draft = classifyByName(name, db, command, sequences);
  } catch (error) {
    if (!(error instanceof Doubt) && !(error instanceof TypeError)) throw error;
    draft = { category: 'unknown', objects: [], flags: new Set<Flag>(['parse-error']) };
  }
  let scripted = false;
  try {
    scripted = runsServerScript(command) || [...sequences].some(([id, docs]) => id !== 'documents' && runsServerScript(docs));
  } catch {
    scripted = true;
  }
  if (scripted) draft.flags.add('server-side-script');
  const actions: Action[] = [
    { dialect: 'mongodb', category: draft.category, operation: name || '?', objects: draft.objects, flags: [...draft.flags], ...texts },
  ];
  if (command['startTransaction'] !== undefined && truthy(command['startTransaction'])) {
    actions.unshift({ dialect: 'mongodb', category: 'transaction', operation: 'startTransaction', objects: [], flags: [], ...texts });
  }
  return actions;
}

function shapeTexts(command: Document): { fingerprint: string; redactedText: string } {
  try {
    return { fingerprint: `mongodb:${commandShape(command, { collapse: true })}`, redactedText: commandShape(command, { collapse: false }) };
  } catch {
    return { fingerprint: 'mongodb:<unreadable command>', redactedText: '<unreadable command>' };
  }
}

function classifyByName(name: string, db: string, command: Document, sequences: CommandSequences): Draft {
  const category = COMMAND_CATEGORIES.get(name);
  const flags = new Set<Flag>();
  const target: unknown = command[name];
  if (category === undefined) {
    // Unknown: name the collection when the first value looks like one, so policy can still see it.
    const objects = typeof target === 'string' && target.length > 0 ? [collection(db, target, 'execute')] : [];
    return { category: 'unknown', objects, flags };
  }
  switch (name) {
    case 'find': {
      const columns = new Set<string>();
      filterPaths(command['filter'], columns);
      keyPaths(command['projection'], columns);
      keyPaths(command['sort'], columns);
      return { category, objects: [collection(db, target, 'read', columns)], flags };
    }
    case 'count': {
      const columns = new Set<string>();
      filterPaths(command['query'], columns);
      return { category, objects: [collection(db, target, 'read', columns)], flags };
    }
    case 'distinct': {
      const columns = new Set<string>();
      if (typeof command['key'] !== 'string') doubt('distinct key is not a string');
      columns.add(command['key'] as string);
      filterPaths(command['query'], columns);
      return { category, objects: [collection(db, target, 'read', columns)], flags };
    }
    case 'getMore': {
      if (numberOf(target) === undefined) doubt('getMore cursor id is not a number');
      return { category, objects: [collection(db, command['collection'], 'read')], flags };
    }
    case 'aggregate':
      return classifyAggregate(db, command, target, flags);
    case 'insert':
      return { category, objects: [collection(db, target, 'write')], flags };
    case 'update': {
      const columns = new Set<string>();
      for (const statement of documents(command, sequences, 'updates')) {
        if (!isDocument(statement)) doubt('update statement is not a document');
        filterPaths(statement['q'], columns);
        updatePaths(statement['u'], columns);
        if (truthy(statement['multi']) && isEmptyFilter(statement['q'])) flags.add('unbounded');
      }
      return { category, objects: [collection(db, target, 'write', columns)], flags };
    }
    case 'delete': {
      const columns = new Set<string>();
      for (const statement of documents(command, sequences, 'deletes')) {
        if (!isDocument(statement)) doubt('delete statement is not a document');
        filterPaths(statement['q'], columns);
        // limit 0 deletes every match; 1 deletes one.
        if (numberOf(statement['limit']) === 0 && isEmptyFilter(statement['q'])) flags.add('unbounded');
      }
      return { category, objects: [collection(db, target, 'write', columns)], flags };
    }
    case 'findAndModify':
    case 'findandmodify': {
      const columns = new Set<string>();
      filterPaths(command['query'], columns);
      updatePaths(command['update'], columns);
      keyPaths(command['fields'], columns);
      keyPaths(command['sort'], columns);
      return { category, objects: [collection(db, target, 'write', columns)], flags };
    }
    case 'bulkWrite':
      return classifyBulkWrite(command, sequences, flags);
    case 'createIndexes': {
      const columns = new Set<string>();
      const indexes: unknown = command['indexes'];
      if (Array.isArray(indexes)) for (const index of indexes) if (isDocument(index)) keyPaths(index['key'], columns);
      return { category, objects: [collection(db, target, 'define', columns)], flags };
    }
    case 'renameCollection': {
      const from = namespaceOf(target);
      const to = namespaceOf(command['to']);
      return {
        category,
        objects: [
          { name: from, kind: 'collection', access: 'define' },
          { name: to, kind: 'collection', access: 'define' },
        ],
        flags,
      };
    }
    case 'dropDatabase':
      return { category, objects: [database(db, 'define')], flags };
    case 'explain': {
      const inner: unknown = target;
      if (!isDocument(inner)) doubt('explain needs a command document');
      const [action] = classifyMongoCommand(db, inner).filter((a) => a.operation !== 'startTransaction');
      if (!action || action.category !== 'read') return { category: 'unknown', objects: action ? [...action.objects] : [], flags: new Set(action?.flags ?? []) };
      return { category: 'read', objects: [...action.objects], flags: new Set(action.flags) };
    }
    case 'listCollections':
    case 'listDatabases':
    case 'dbStats':
      return { category, objects: [database(db, 'read')], flags };
    case 'killCursors':
      return { category, objects: [collection(db, target, 'read')], flags };
    default:
      break;
  }
  if (COLLECTION_COMMANDS.has(name)) {
    return { category, objects: [collection(db, target, category === 'ddl' ? 'define' : 'read')], flags };
  }
  if (category === 'dcl') return { category, objects: [database(db, 'define')], flags };
  return { category, objects: [], flags };
}

function classifyAggregate(db: string, command: Document, target: unknown, flags: Set<Flag>): Draft {
  const pipeline: unknown = command['pipeline'];
  if (!Array.isArray(pipeline)) doubt('aggregate pipeline is not an array');
  const analysis = analysePipeline(db, pipeline);
  if (analysis.doubtful) doubt('aggregate pipeline has a stage the gateway cannot read with certainty');
  const columns = new Set<string>();
  pipelinePaths(pipeline as Document[], columns);
  const objects: ObjectRef[] = [];
  // `aggregate: 1` runs a collectionless pipeline ($currentOp, $changeStream on a database, $documents).
  if (numberOf(target) === 1) objects.push(database(db, 'read'));
  else objects.push(collection(db, target, 'read', columns));
  for (const ns of analysis.reads) objects.push({ name: ns, kind: 'collection', access: 'read' });
  for (const ns of analysis.writes) objects.push({ name: ns, kind: 'collection', access: 'write' });
  const category: Category = analysis.adminStages.size > 0 ? 'admin' : analysis.writes.size > 0 ? 'write' : 'read';
  return { category, objects, flags };
}

function classifyBulkWrite(command: Document, sequences: CommandSequences, flags: Set<Flag>): Draft {
  const nsInfo = documents(command, sequences, 'nsInfo');
  const namespaces = nsInfo.map((entry) => (isDocument(entry) ? namespaceOf(entry['ns']) : doubt('nsInfo entry is not a document')));
  const columns = new Map<string, Set<string>>();
  for (const op of documents(command, sequences, 'ops')) {
    if (!isDocument(op)) doubt('bulkWrite op is not a document');
    const kind = ['insert', 'update', 'delete'].find((k) => op[k] !== undefined);
    if (!kind) doubt('bulkWrite op is not insert, update or delete');
    const index = numberOf(op[kind]);
    const ns = index === undefined ? undefined : namespaces[index];
    if (ns === undefined) doubt('bulkWrite op names a namespace index outside nsInfo');
    const paths = columns.get(ns) ?? new Set<string>();
    columns.set(ns, paths);
    if (kind !== 'insert') {
      filterPaths(op['filter'], paths);
      if (kind === 'update') updatePaths(op['updateMods'], paths);
      if (truthy(op['multi']) && isEmptyFilter(op['filter'])) flags.add('unbounded');
    }
  }
  const objects: ObjectRef[] = namespaces.map((ns) => {
    const paths = columns.get(ns);
    return { name: ns, kind: 'collection', access: 'write', ...(paths && paths.size > 0 ? { columns: [...paths] } : {}) };
  });
  return { category: 'write', objects, flags };
}

/** A full `db.collection` namespace given as a value (renameCollection, bulkWrite nsInfo). */
function namespaceOf(value: unknown): string {
  if (typeof value !== 'string' || !/^[^.\0]+\.[^\0]+$/.test(value)) doubt('namespace is not "database.collection"');
  return value as string;
}
