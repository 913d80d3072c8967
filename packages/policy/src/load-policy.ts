import { readSource as readLocatedSource, validateYaml as validateLocatedYaml } from '@gatehouse/yaml-config';
import type { LoadErrorFactory, NamedLists, SafeParseSchema, YamlSource } from '@gatehouse/yaml-config';
import { CompiledPolicy } from './engine.js';
import { PolicyLoadError } from './errors.js';
import { RiskModel } from './risk.js';
import { compileRule, ruleContext } from './rule.js';
import { policyDocumentSchema } from './schema-policy.js';
import type { PolicyDocument } from './schema-policy.js';

/** Messages name rules by id and test cases by name: `rule "analysts-read" mask …`. */
const POLICY_LISTS: NamedLists = { rules: { item: 'rule', nameKey: 'id' }, cases: { item: 'case', nameKey: 'name' } };
const policyLoadError: LoadErrorFactory = (code, problems) => new PolicyLoadError(code, problems);

/** Parses and validates policy YAML against a zod schema, collecting every located problem. */
export function validateYaml<T>(text: string, file: string, schema: SafeParseSchema<T>, code: string): { data: T; source: YamlSource } {
  return validateLocatedYaml(text, file, schema, { code, namedLists: POLICY_LISTS, createError: policyLoadError });
}

export function compilePolicy(document: PolicyDocument, file: string): CompiledPolicy {
  const context = ruleContext(document);
  const rules = document.rules.map((rule) => compileRule(rule, context));
  return new CompiledPolicy(file, rules, new RiskModel(document.risk?.environments), document.defaults?.audit ?? 'standard');
}

/**
 * Loads a policy document. Either the whole policy compiles, or a PolicyLoadError lists every
 * problem at file:line:col; nothing half-loaded is ever returned.
 */
export function loadPolicy(text: string, file: string): CompiledPolicy {
  const { data } = validateYaml(text, file, policyDocumentSchema, 'policy.invalid');
  return compilePolicy(data, file);
}

export async function loadPolicyFile(path: string): Promise<CompiledPolicy> {
  return loadPolicy(await readSource(path, 'policy.unreadable'), path);
}

/** Reads a file, turning an I/O failure into a located PolicyLoadError the CLI prints like any other. */
export async function readSource(path: string, code: string): Promise<string> {
  return readLocatedSource(path, code, policyLoadError);
}
