import type { Category } from '@gatehouse/core';
import type { Analysis } from './analysis.js';
import type { Names } from './names.js';
import type { QueryWalker } from './query-walker.js';
import type { OutputColumn } from './scope.js';

/** What a statement handler works with: one analysis, its walker and the name qualifier. */
export interface StatementContext {
  readonly analysis: Analysis;
  readonly walker: QueryWalker;
  readonly names: Names;
  /** The statement's first words as the lexer saw them, upper case (for operations the tree hides). */
  readonly words: readonly string[];
}

/** A handler's verdict; the final category also reflects side effects found in the walk. */
export interface Outcome {
  readonly category: Category;
  readonly operation: string;
  /** Output columns of a statement that returns rows. */
  readonly outputs?: readonly OutputColumn[];
}
