import { z } from 'zod';
import { parseDuration } from './duration.js';
import { didYouMean } from './suggest.js';

/**
 * Object-level refinements run even when a child already failed (zod skips them by default), so
 * one load reports every problem. Such refinements must treat their input defensively.
 */
export const ALWAYS = { when: () => true } as const;

/** A plain-object view of a value that may be malformed, for defensive refinements. */
export function asRecord(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Unknown-key issues carry this marker, the object's name and its known keys, so the issue mapper
 * can report each unknown key at its own position with a "did you mean" (zod reports them as one
 * issue without the allowed keys).
 */
export const UNKNOWN_KEYS_MARKER = '\u0001unknown-keys\u0001';

/**
 * Schemas that accept a shorthand a JSON Schema export must also allow: a single value for a
 * list, or a string for a map. Kept here so an export can describe what the loader accepts.
 */
export const LIST_SHORTHANDS = new WeakSet<z.ZodType>();
export const STRING_SHORTHANDS = new WeakSet<z.ZodType>();

export function shorthand<T extends z.ZodType>(set: WeakSet<z.ZodType>, schema: T): T {
  set.add(schema);
  return schema;
}

/** A short, value-free description of what the author wrote, for "must be X, not Y" messages. */
export function describeInput(input: unknown): string {
  if (input === null) return 'empty (null)';
  if (Array.isArray(input)) return 'a list';
  switch (typeof input) {
    case 'string':
      return 'text';
    case 'number':
      return Number.isInteger(input) ? 'a whole number' : 'a number';
    case 'boolean':
      return 'true/false';
    case 'object':
      return 'a map';
    default:
      return typeof input;
  }
}

/** A zod strict object whose unknown-key and wrong-type messages name the object (`rule`, `mask`, …). */
export function strictMap<T extends z.core.$ZodLooseShape>(context: string, shape: T) {
  const known = Object.keys(shape).join(',');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `${UNKNOWN_KEYS_MARKER}${context}${UNKNOWN_KEYS_MARKER}${known}`
        : `${context} must be a map of "key: value" entries, not ${describeInput(issue.input)}`,
  });
}

/** An enum whose message lists the allowed values and suggests the closest one. */
export function oneOf<const T extends readonly [string, ...string[]]>(what: string, values: T) {
  return z.enum(values, {
    error: (issue) =>
      typeof issue.input === 'string'
        ? `unknown ${what} "${issue.input}"; expected one of ${values.join(', ')}${didYouMean(issue.input, values)}`
        : `${what} must be one of ${values.join(', ')}, not ${describeInput(issue.input)}`,
  });
}

export function text(what: string) {
  return z.string({ error: (issue) => `${what} must be text, not ${describeInput(issue.input)}` });
}

/**
 * A list. A single value is accepted as a one-element list (`environment: prod`), and an empty
 * list is refused: as a condition it would match nothing, which is never what the author meant.
 */
export function listOf<T extends z.ZodType>(what: string, item: T) {
  return shorthand(
    LIST_SHORTHANDS,
    z.preprocess(
      (value) => (value === undefined || value === null || Array.isArray(value) ? value : [value]),
      z
        .array(item, { error: (issue) => `${what} must be a list, not ${describeInput(issue.input)}` })
        .min(1, { error: `${what} is an empty list, which matches nothing; add values or remove the key` }),
    ),
  );
}

export function wholeNumber(what: string, min: number, max?: number) {
  const range = max === undefined ? `${min} or more` : `between ${min} and ${max}`;
  const base = z.number({ error: (issue) => `${what} must be a number, not ${describeInput(issue.input)}` });
  const checked = base.int({ error: `${what} must be a whole number ${range}` }).min(min, { error: `${what} must be ${range}` });
  return max === undefined ? checked : checked.max(max, { error: `${what} must be ${range}` });
}

export function duration(what: string) {
  return z
    .string({ error: `${what} must be a duration with a unit, such as 30s, 15m, 8h or 1d` })
    .superRefine((value, context) => {
      if (parseDuration(value) === undefined) {
        context.addIssue({
          code: 'custom',
          message: `bad duration "${value}" for ${what}; write a positive number with a unit: ms, s, m, h or d (e.g. 15m)`,
        });
      }
    });
}
