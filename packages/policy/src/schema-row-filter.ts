import { z } from 'zod';
import { globProblem } from './glob.js';
import { readPredicate } from './row-filter-syntax.js';

/**
 * Predicate documents, so the JSON Schema export can describe them (zod sees them as unknown: the
 * language is checked by readPredicate, which gives better messages than a union of shapes).
 */
export const ROW_PREDICATE_SCHEMAS = new WeakSet<z.ZodType>();

const rowPredicate = z.unknown();
ROW_PREDICATE_SCHEMAS.add(rowPredicate);

/** `filter:` — object glob → predicate, e.g. `"*.*.customers": { region: "${principal.region}" }`. */
export const rowFilterSchema = z
  .record(z.string(), rowPredicate, {
    error: (issue) => `filter must be a map of "object pattern": row filter, not ${Array.isArray(issue.input) ? 'a list' : typeof issue.input}`,
  })
  .superRefine((filters, context) => {
    const patterns = Object.keys(filters);
    if (patterns.length === 0) {
      context.addIssue({ code: 'custom', message: 'filter is an empty map, which filters nothing; add "pattern": { column: value } or remove it' });
    }
    for (const pattern of patterns) {
      const problem = globProblem(pattern);
      if (problem !== undefined) context.addIssue({ code: 'custom', path: [pattern], message: problem, params: { at: 'key' } });
      readPredicate(filters[pattern], (path, message, at) => {
        context.addIssue({ code: 'custom', path: [pattern, ...path], message, ...(at === undefined ? {} : { params: { at } }) });
      });
    }
  });

export type RowFilterDocument = z.output<typeof rowFilterSchema>;
