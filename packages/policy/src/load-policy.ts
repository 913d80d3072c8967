import { readFile } from 'node:fs/promises';
import type { LocatedProblem } from '@gatehouse/core';
import { CompiledPolicy } from './engine.js';
import { PolicyLoadError } from './errors.js';
import { locateIssues } from './issues.js';
import { RiskModel } from './risk.js';
import { compileRule, ruleContext } from './rule.js';
import { policyDocumentSchema } from './schema-policy.js';
import type { PolicyDocument } from './schema-policy.js';
import { parseYamlSource } from './yaml-source.js';
import type { YamlSource } from './yaml-source.js';

/** Parses and validates YAML against a zod schema, collecting every located problem. */
export function validateYaml<T>(
  text: string,
  file: string,
  schema: {
    safeParse(data: unknown, params: { reportInput: boolean }): { success: true; data: T } | { success: false; error: { issues: unknown[] } };
  },
  code: string,
): { data: T; source: YamlSource } {
  const source = parseYamlSource(text, file);
  if (source.syntaxProblems.length > 0) throw new PolicyLoadError(code, source.syntaxProblems);
  // reportInput keeps each issue's input, which tells a missing key from a wrong value.
  const result = schema.safeParse(source.data, { reportInput: true });
  if (!result.success) {
    const problems: LocatedProblem[] = locateIssues(result.error.issues as Parameters<typeof locateIssues>[0], source);
    throw new PolicyLoadError(code, problems);
  }
  return { data: result.data, source };
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
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'read failed';
    throw new PolicyLoadError(code, [{ file: path, line: 1, column: 1, message: `cannot read the file (${reason}); check the path and permissions` }]);
  }
}
