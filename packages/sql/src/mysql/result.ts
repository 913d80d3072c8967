import type { Category, Flag, ObjectAccess, ObjectKind, ObjectRef } from '@gatehouse/core';
import type { StatementClassification } from '../dialect-module.js';
import type { Statement } from './statement.js';

/** Classifies a statement nested in another (EXPLAIN …, SET STATEMENT … FOR …, a body piece). */
export type InnerClassifier = (inner: Statement) => StatementClassification;

export function classified(
  category: Category,
  operation: string,
  objects: readonly ObjectRef[] = [],
  flags: readonly Flag[] = [],
): StatementClassification {
  return { category, operation, objects, flags };
}

export function ref(access: ObjectAccess, kind: ObjectKind, name: string): ObjectRef {
  return { name, kind, access };
}

/** Severity for combining: a statement gets the most powerful category of its parts. */
const RANK: Readonly<Record<Category, number>> = {
  session: 0,
  transaction: 0,
  read: 1,
  procedure: 2,
  write: 3,
  ddl: 4,
  dcl: 5,
  admin: 6,
  unknown: 7,
};

/** `category` raised to at least `floor` (session/transaction/read are raised, admin stays). */
export function atLeast(category: Category, floor: Category): Category {
  return RANK[floor] > RANK[category] ? floor : category;
}
