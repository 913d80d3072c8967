import { z } from 'zod';
import { AUDIT_DETAILS, MASK_FAILURE_MODES, MASK_STRATEGY_KINDS, REVIEW_MODES } from '@gatehouse/core';
import { ALWAYS, STRING_SHORTHANDS, duration, listOf, oneOf, shorthand, strictMap, text, wholeNumber } from '@gatehouse/yaml-config';
import { globProblem } from './glob.js';

/** `partial` is shorthand for `{ strategy: partial }`. */
export const strategySchema = shorthand(STRING_SHORTHANDS, z.preprocess(
  (value) => (typeof value === 'string' ? { strategy: value } : value),
  strictMap('mask strategy', {
    strategy: oneOf('mask strategy', MASK_STRATEGY_KINDS),
    keep: wholeNumber('keep', 0).optional(),
    replacement: text('replacement').optional(),
  }).superRefine((value, context) => {
    // Options that the chosen strategy ignores are a sign the author expects something else.
    if (!(MASK_STRATEGY_KINDS as readonly unknown[]).includes(value.strategy)) return;
    if (value.keep !== undefined && value.strategy !== 'partial') {
      context.addIssue({ code: 'custom', path: ['keep'], message: `"keep" only applies to strategy partial, not ${value.strategy}` });
    }
    if (value.replacement !== undefined && value.strategy !== 'redact') {
      context.addIssue({
        code: 'custom',
        path: ['replacement'],
        message: `"replacement" only applies to strategy redact, not ${value.strategy}`,
      });
    }
  }, ALWAYS),
));

/** `email` is shorthand for `{ detector: email }` (strategy redact). */
const detectEntry = shorthand(STRING_SHORTHANDS, z.preprocess(
  (value) => (typeof value === 'string' ? { detector: value } : value),
  strictMap('detect entry', { detector: text('detector'), strategy: strategySchema.optional() }),
));

export const maskSchema = strictMap('mask', {
  columns: z
    .record(z.string(), strategySchema, { error: (issue) => `mask columns must be a map of pattern: strategy, not ${typeof issue.input}` })
    .superRefine((columns, context) => {
      for (const pattern of Object.keys(columns)) {
        const problem = globProblem(pattern);
        if (problem !== undefined) context.addIssue({ code: 'custom', path: [pattern], message: problem, params: { at: 'key' } });
      }
    })
    .optional(),
  detect: z.array(detectEntry, { error: 'detect must be a list of detector names' }).optional(),
  failure: oneOf('mask failure mode', MASK_FAILURE_MODES).optional(),
});

const approversSchema = strictMap('approvers', {
  groups: listOf('approver groups', text('a group name')).optional(),
  users: listOf('approver users', text('a user id')).optional(),
}).superRefine((value, context) => {
  if (typeof value !== 'object' || value === null) return;
  if (value.groups === undefined && value.users === undefined) {
    context.addIssue({ code: 'custom', message: 'approvers needs "groups" and/or "users"; otherwise nobody can approve' });
  }
}, ALWAYS);

export const reviewSchema = strictMap('review', {
  approvers: approversSchema,
  minApprovals: wholeNumber('minApprovals', 1).optional(),
  mode: oneOf('review mode', REVIEW_MODES).optional(),
  timeout: duration('timeout').optional(),
});

export const limitSchema = strictMap('limit', { rows: wholeNumber('limit rows', 1) });

export const auditSchema = oneOf('audit detail', AUDIT_DETAILS);

export const maskDefaultsSchema = strictMap('mask defaults', { failure: oneOf('mask failure mode', MASK_FAILURE_MODES).optional() });

export type MaskDocument = z.output<typeof maskSchema>;
export type StrategyDocument = z.output<typeof strategySchema>;
export type ReviewDocument = z.output<typeof reviewSchema>;
