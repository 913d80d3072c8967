import { z } from 'zod';
import { DIALECTS, EFFECTS, PRINCIPAL_KINDS } from '@gatehouse/core';
import { ALWAYS, asRecord, oneOf, strictMap, text } from '@gatehouse/yaml-config';

const attributeScalar = z.union([z.string(), z.number(), z.boolean()]);

const testPrincipal = strictMap('test principal', {
  id: text('principal id'),
  groups: z.array(text('a group name'), { error: 'groups must be a list' }).optional(),
  kind: oneOf('principal kind', PRINCIPAL_KINDS).optional(),
  via: text('via').optional(),
  /** Token attributes (`region: eu`, `tenants: [t1, t2]`), read by row filters. */
  attributes: z
    .record(
      z.string(),
      z.union([attributeScalar, z.array(attributeScalar)], { error: 'an attribute must be text, a number, true/false or a list of those' }),
      { error: 'attributes must be a map of name: value' },
    )
    .optional(),
});

const testTarget = strictMap('test target', {
  connection: text('connection'),
  environment: text('environment'),
  dialect: oneOf('dialect', DIALECTS),
  database: text('database').optional(),
  schema: text('schema').optional(),
});

const expectation = strictMap('expect', {
  effect: oneOf('effect', EFFECTS),
  /** Exact set of deciding rule ids (order ignored); `[]` asserts a default deny. */
  rules: z.array(text('a rule id'), { error: 'rules must be a list of rule ids' }).optional(),
  /** A fragment the decision's reason must contain. */
  reason: text('reason').optional(),
});

const testCase = strictMap('test case', {
  name: text('case name'),
  principal: testPrincipal,
  target: testTarget,
  clientAddress: text('clientAddress').optional(),
  sql: text('sql').optional(),
  /** A MongoDB command, as extended JSON text or a YAML map. */
  command: z.union([z.string(), z.record(z.string(), z.unknown())], { error: 'command must be JSON text or a map' }).optional(),
  expect: expectation,
}).superRefine((value, context) => {
  if (typeof value !== 'object' || value === null) return;
  const entry = asRecord(value);
  if ((entry['sql'] === undefined) === (entry['command'] === undefined)) {
    context.addIssue({ code: 'custom', message: 'a test case needs exactly one of "sql" or "command"' });
  }
}, ALWAYS);

export const policyTestsSchema = strictMap('policy tests', {
  cases: z.array(testCase, { error: 'cases must be a list of test cases' }),
}).superRefine((value, context) => {
  const seen = new Map<string, number>();
  const cases = asRecord(value)['cases'];
  if (!Array.isArray(cases)) return;
  cases.forEach((entry, index) => {
    const name = asRecord(entry)['name'];
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, index);
      return;
    }
    context.addIssue({
      code: 'custom',
      path: ['cases', index, 'name'],
      message: `duplicate case name "${name}"; case names must be unique so failures can be told apart`,
      params: { firstPath: ['cases', first, 'name'] },
    });
  });
}, ALWAYS);

export type PolicyTestsDocument = z.output<typeof policyTestsSchema>;
