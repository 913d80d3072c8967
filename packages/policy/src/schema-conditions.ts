import { z } from 'zod';
import { CATEGORIES, DIALECTS, FLAGS, OBJECT_ACCESSES, OBJECT_KINDS, PRINCIPAL_KINDS } from '@gatehouse/core';
import { ALWAYS, STRING_SHORTHANDS, listOf, oneOf, shorthand, strictMap, text, wholeNumber } from '@gatehouse/yaml-config';
import { cidr, glob } from './schema-primitives.js';

const principalCondition = strictMap('principal condition', {
  users: listOf('users', text('a user id')).optional(),
  groups: listOf('groups', text('a group name')).optional(),
  kind: listOf('kind', oneOf('principal kind', PRINCIPAL_KINDS)).optional(),
});

/** `"*.*.users"` is shorthand for `{ name: "*.*.users" }`. */
const objectPattern = shorthand(STRING_SHORTHANDS, z.preprocess(
  (value) => (typeof value === 'string' ? { name: value } : value),
  strictMap('object pattern', {
    name: glob('object pattern name'),
    access: listOf('access', oneOf('object access', OBJECT_ACCESSES)).optional(),
    kind: listOf('kind', oneOf('object kind', OBJECT_KINDS)).optional(),
  }),
));

const actionCondition = strictMap('action condition', {
  category: listOf('category', oneOf('category', CATEGORIES)).optional(),
  operation: listOf('operation', text('an operation')).optional(),
  objects: listOf('objects', objectPattern).optional(),
  flags: listOf('flags', oneOf('flag', FLAGS)).optional(),
});

const riskCondition = strictMap('risk condition', {
  min: wholeNumber('risk min', 0, 10).optional(),
  max: wholeNumber('risk max', 0, 10).optional(),
}).superRefine((value, context) => {
  if (typeof value !== 'object' || value === null) return;
  if (value.min === undefined && value.max === undefined) {
    context.addIssue({ code: 'custom', message: 'risk condition needs "min" and/or "max" (0–10)' });
  } else if (typeof value.min === 'number' && typeof value.max === 'number' && value.min > value.max) {
    context.addIssue({ code: 'custom', path: ['max'], message: `risk max (${value.max}) is below min (${value.min})` });
  }
}, ALWAYS);

/** `when:` / `unless:`. Values within one condition are any-of; different conditions are all-of. */
export const conditionSchema = strictMap('condition', {
  principal: principalCondition.optional(),
  connection: listOf('connection', text('a connection name')).optional(),
  environment: listOf('environment', text('an environment name')).optional(),
  dialect: listOf('dialect', oneOf('dialect', DIALECTS)).optional(),
  database: listOf('database', text('a database name')).optional(),
  action: actionCondition.optional(),
  risk: riskCondition.optional(),
  clientAddress: listOf('clientAddress', cidr('clientAddress')).optional(),
});
export type ConditionDocument = z.output<typeof conditionSchema>;
export type ObjectPatternDocument = NonNullable<NonNullable<ConditionDocument['action']>['objects']>[number];
