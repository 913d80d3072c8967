import { z } from 'zod';
import { EFFECTS } from '@gatehouse/core';
import { BUILT_IN_DETECTORS } from './detectors.js';
import { compileSafeRegex } from '@gatehouse/masking';
import { conditionSchema } from './schema-conditions.js';
import { auditSchema, limitSchema, maskDefaultsSchema, maskSchema, reviewSchema } from './schema-obligations.js';
import { rowFilterSchema } from './schema-row-filter.js';
import { ALWAYS, asRecord, didYouMean, listOf, oneOf, strictMap, text, wholeNumber } from '@gatehouse/yaml-config';

export const RULE_MODES = ['enforce', 'observe'] as const;
export type RuleMode = (typeof RULE_MODES)[number];

const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const DETECTOR_NAME = /^[a-z][a-z0-9_]*$/;

const isEffect = (value: unknown): value is (typeof EFFECTS)[number] => (EFFECTS as readonly unknown[]).includes(value);

const ruleSchema = strictMap('rule', {
  id: text('rule id').regex(RULE_ID, {
    error: 'rule id must start with a letter or digit and use only letters, digits, "-", "_", "." or ":"',
  }),
  description: text('description').optional(),
  effect: oneOf('effect', EFFECTS),
  mode: oneOf('rule mode', RULE_MODES).optional(),
  when: conditionSchema.optional(),
  unless: conditionSchema.optional(),
  message: text('message').optional(),
  mask: maskSchema.optional(),
  review: reviewSchema.optional(),
  filter: rowFilterSchema.optional(),
  limit: limitSchema.optional(),
  audit: auditSchema.optional(),
}).superRefine((value, context) => {
  const rule = asRecord(value);
  if (!isEffect(rule['effect'])) return;
  if (rule['effect'] === 'review' && rule['review'] === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['effect'],
      message: 'a review rule needs a "review:" block naming its approvers, e.g. review: { approvers: { groups: [dba] } }',
    });
  }
  if (rule['effect'] !== 'review' && rule['review'] !== undefined) {
    context.addIssue({
      code: 'custom',
      path: ['review'],
      message: `"review" only applies to effect review, not ${rule['effect']}`,
      params: { at: 'key' },
    });
  }
  // A denied statement never runs, so result obligations on a deny rule would silently do nothing.
  for (const key of ['mask', 'limit']) {
    if (rule['effect'] === 'deny' && rule[key] !== undefined) {
      context.addIssue({ code: 'custom', path: [key], message: `"${key}" has no effect on a deny rule; remove it`, params: { at: 'key' } });
    }
  }
  // Row filters narrow what an allow grants; on a review rule they would be ambiguous (the allow
  // rules that let the approved statement run carry their own), and on a deny rule meaningless.
  if (rule['effect'] !== 'allow' && rule['filter'] !== undefined) {
    context.addIssue({
      code: 'custom',
      path: ['filter'],
      message: `"filter" only applies to allow rules, not ${rule['effect']}; put it on the allow rule that grants the access`,
      params: { at: 'key' },
    });
  }
}, ALWAYS);

const detectorSchema = strictMap('detector', {
  name: text('detector name').regex(DETECTOR_NAME, {
    error: 'detector name must be lower-case letters, digits and "_", starting with a letter',
  }),
  description: text('description').optional(),
  regex: text('regex').optional(),
  words: listOf('words', text('a word')).optional(),
}).superRefine((value, context) => {
  if (typeof value !== 'object' || value === null) return;
  const detector = asRecord(value);
  if ((detector['regex'] === undefined) === (detector['words'] === undefined)) {
    context.addIssue({ code: 'custom', message: 'a detector needs exactly one of "regex" or "words"' });
  }
  const regex = detector['regex'];
  if (typeof regex !== 'string') return;
  // Checked by the engine that will run it: masking's linear-time matcher (no backtracking, so
  // nested repeats are safe; backreferences and lookaround are refused).
  try {
    compileSafeRegex(typeof detector['name'] === 'string' ? detector['name'] : 'detector', regex);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Custom detector "[^"]*": /, '') : String(error);
    context.addIssue({ code: 'custom', path: ['regex'], message: `invalid regex: ${reason}` });
  }
}, ALWAYS);

const riskSettingsSchema = strictMap('risk settings', {
  environments: z
    .record(z.string(), wholeNumber('environment risk points', 0, 10), {
      error: 'risk environments must be a map of environment: points',
    })
    .optional(),
});

const listItems = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

/** Cross-references zod cannot see per node: unique ids and detector names, known detectors. */
function checkReferences(value: unknown, context: z.RefinementCtx): void {
  const policy = asRecord(value);
  const firstRule = new Map<string, number>();
  listItems(policy['rules']).forEach((rule, index) => {
    const id = asRecord(rule)['id'];
    if (typeof id !== 'string') return;
    const first = firstRule.get(id);
    if (first === undefined) {
      firstRule.set(id, index);
      return;
    }
    context.addIssue({
      code: 'custom',
      path: ['rules', index, 'id'],
      message: `duplicate rule id "${id}"; rule ids must be unique`,
      params: { firstPath: ['rules', first, 'id'] },
    });
  });

  const custom = new Map<string, number>();
  listItems(policy['detectors']).forEach((detector, index) => {
    const name = asRecord(detector)['name'];
    if (typeof name !== 'string') return;
    const first = custom.get(name);
    if ((BUILT_IN_DETECTORS as readonly string[]).includes(name)) {
      context.addIssue({
        code: 'custom',
        path: ['detectors', index, 'name'],
        message: `detector "${name}" is a built-in detector; give the custom detector another name`,
      });
    } else if (first !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['detectors', index, 'name'],
        message: `duplicate detector name "${name}"; detector names must be unique`,
        params: { firstPath: ['detectors', first, 'name'] },
      });
    } else {
      custom.set(name, index);
    }
  });

  const known = [...BUILT_IN_DETECTORS, ...custom.keys()];
  listItems(policy['rules']).forEach((rule, ruleIndex) => {
    listItems(asRecord(asRecord(rule)['mask'])['detect']).forEach((entry, entryIndex) => {
      const detector = asRecord(entry)['detector'];
      if (typeof detector !== 'string' || known.includes(detector)) return;
      context.addIssue({
        code: 'custom',
        path: ['rules', ruleIndex, 'mask', 'detect', entryIndex, 'detector'],
        message:
          `unknown detector "${detector}"; use a built-in detector (${BUILT_IN_DETECTORS.join(', ')}) ` +
          `or define it under "detectors:"${didYouMean(detector, known)}`,
      });
    });
  });
}

export const policyDocumentSchema = strictMap('policy', {
  version: z.literal(1, { error: 'version must be 1 (the only policy format so far); write "version: 1"' }),
  description: text('description').optional(),
  defaults: strictMap('defaults', { mask: maskDefaultsSchema.optional(), audit: auditSchema.optional() }).optional(),
  risk: riskSettingsSchema.optional(),
  detectors: z.array(detectorSchema, { error: 'detectors must be a list of { name, regex } or { name, words }' }).optional(),
  rules: z.array(ruleSchema, { error: 'rules must be a list of rules' }),
}).superRefine(checkReferences, ALWAYS);

export type PolicyDocument = z.output<typeof policyDocumentSchema>;
export type RuleDocument = PolicyDocument['rules'][number];
