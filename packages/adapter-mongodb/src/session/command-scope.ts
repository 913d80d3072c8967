import type { Document } from 'bson';
import type { Action } from '@gatehouse/core';
import { classifyMongoCommand } from '../classify/classify-command.js';
import { numberOf } from '../classify/values.js';
import { decodeDocument } from '../protocol/bson-codec.js';
import type { DocumentSequence } from '../protocol/op-msg.js';
import type { CursorEntry, CursorRegistry } from './cursor-registry.js';

/** What a client's command is about, before it is decided: its actions and the cursors it touches. */
export interface CommandScope {
  /** Frozen and shared when they came from the classification cache. */
  readonly actions: readonly Action[];
  /** The cursor a getMore continues (owned by the caller's principal). */
  readonly getMoreId: bigint | undefined;
  readonly cursorEntry: CursorEntry | undefined;
  /** The cursors a killCursors names (all owned by the caller's principal). */
  readonly killIds: readonly bigint[];
  /** The batches hold change events (an aggregate opening a change stream, or a getMore on one). */
  readonly changeStream: boolean;
}

/** A getMore or killCursors naming a cursor the principal did not open (or that expired). */
export interface ForeignCursor {
  readonly foreignCursor: 'getMore' | 'killCursors';
}

/**
 * Classifies a command into actions. Cursor commands are checked against the registry first: a
 * getMore reads what the command that opened its cursor read; a getMore or killCursors on a
 * cursor this principal did not open is refused without being classified. (Commands the
 * classification cache serves skip this: see the session.)
 */
export function commandScope(
  db: string,
  name: string,
  command: Document,
  sequences: readonly DocumentSequence[],
  principalId: string,
  cursors: CursorRegistry,
): CommandScope | ForeignCursor {
  if (name === 'getMore') {
    const getMoreId = cursorIdOf(command['getMore']);
    const entry = getMoreId === undefined ? undefined : cursors.lookup(getMoreId, principalId);
    if (!entry || `${db}.${String(command['collection'])}` !== entry.namespace) return { foreignCursor: 'getMore' };
    const actions = classifyMongoCommand(db, command).map((action) =>
      action.operation === 'getMore' ? { ...action, objects: entry.objects.map((object) => ({ ...object, access: 'read' as const })) } : action,
    );
    return { actions, getMoreId, cursorEntry: entry, killIds: [], changeStream: entry.changeStream };
  }
  let killIds: bigint[] = [];
  if (name === 'killCursors') {
    const ids: unknown = command['cursors'];
    killIds = Array.isArray(ids) ? ids.map(cursorIdOf).filter((id): id is bigint => id !== undefined) : [];
    const owned = Array.isArray(ids) && killIds.length === ids.length && killIds.every((id) => cursors.lookup(id, principalId));
    if (!owned) return { foreignCursor: 'killCursors' };
  }
  const actions = classifyFully(db, command, sequences);
  let changeStream = false;
  if (name === 'aggregate' && Array.isArray(command['pipeline'])) {
    changeStream = (command['pipeline'] as unknown[]).some((stage) => typeof stage === 'object' && stage !== null && '$changeStream' in stage);
  }
  return { actions, getMoreId: undefined, cursorEntry: undefined, killIds, changeStream };
}

function classifyFully(db: string, command: Document, sequences: readonly DocumentSequence[]): Action[] {
  const decoded = new Map<string, Document[]>();
  // Inserted documents are data, not instructions: they are not decoded to classify the insert.
  for (const sequence of sequences) if (sequence.identifier !== 'documents') decoded.set(sequence.identifier, sequence.documents.map(decodeDocument));
  return classifyMongoCommand(db, command, decoded);
}

/** The namespace a command's reply is about, for replies that do not name one. */
export function commandNamespace(db: string, name: string, command: Document): string {
  const target: unknown = command[name];
  if (name === 'getMore') return `${db}.${String(command['collection'])}`;
  return targetNamespace(db, typeof target === 'string' ? target : undefined);
}

/** The namespace of a (non-getMore) command whose own value is `target` (a collection, when a string). */
export function targetNamespace(db: string, target: string | undefined): string {
  return target !== undefined ? `${db}.${target}` : `${db}.$cmd`;
}

/**
 * Whether the server accepts a `comment` on this command: every command from MongoDB 4.4 (wire
 * 9); before that only the reads that always had one, and others would fail on the unknown field.
 */
export function takesComment(upstreamWireVersion: number, name: string): boolean {
  return upstreamWireVersion >= 9 || name === 'find' || name === 'aggregate';
}

/** A cursor id as the client wrote it (Long, int32, int64 as double), or undefined when it is none. */
export function cursorIdOf(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'object' && value !== null && (value as { _bsontype?: string })._bsontype === 'Long') {
    return BigInt((value as { toString(): string }).toString());
  }
  const n = numberOf(value);
  return n !== undefined && Number.isInteger(n) ? BigInt(n) : undefined;
}
