import type { Action, Effect, PolicyEngine, Principal, SourceLocation, Target } from '@gatehouse/core';
import { readSource, validateYaml } from './load-policy.js';
import { policyTestsSchema } from './schema-policy-tests.js';

export interface PolicyTestExpectation {
  readonly effect: Effect;
  /** Exact set of deciding rule ids (order ignored); omitted: not checked. */
  readonly rules?: readonly string[];
  /** A fragment the reason must contain; omitted: not checked. */
  readonly reason?: string;
}

export interface PolicyTestCase {
  readonly name: string;
  readonly principal: Principal;
  readonly target: Target;
  readonly clientAddress?: string;
  /** SQL text, or a MongoDB command as JSON text; the injected classifier turns it into actions. */
  readonly statement: string;
  readonly expect: PolicyTestExpectation;
  /** Where the case starts, so a failure can be reported at file:line:col. */
  readonly location: SourceLocation;
}

export interface PolicyTestResult {
  readonly name: string;
  readonly passed: boolean;
  readonly expected: PolicyTestExpectation;
  readonly actual: { readonly effect: Effect; readonly rules: readonly string[]; readonly reason: string };
  /** Empty when passed; otherwise what differed. */
  readonly message: string;
  readonly location: SourceLocation;
}

/** Turns a statement into actions. Injected, so policy never depends on the SQL package. */
export type Classify = (statement: string, target: Target) => readonly Action[];

/** Loads a policy-test file; problems are reported exactly like policy problems (PolicyLoadError). */
export function loadPolicyTests(text: string, file: string): PolicyTestCase[] {
  const { data, source } = validateYaml(text, file, policyTestsSchema, 'policy-tests.invalid');
  return data.cases.map((entry, index) => ({
    name: entry.name,
    principal: {
      id: entry.principal.id,
      groups: entry.principal.groups ?? [],
      kind: entry.principal.kind ?? 'human',
      via: entry.principal.via ?? 'policy-test',
      ...(entry.principal.attributes === undefined ? {} : { attributes: entry.principal.attributes }),
    },
    target: {
      connection: entry.target.connection,
      environment: entry.target.environment,
      dialect: entry.target.dialect,
      ...(entry.target.database === undefined ? {} : { database: entry.target.database }),
      ...(entry.target.schema === undefined ? {} : { schema: entry.target.schema }),
    },
    ...(entry.clientAddress === undefined ? {} : { clientAddress: entry.clientAddress }),
    statement: entry.sql ?? (typeof entry.command === 'string' ? entry.command : JSON.stringify(entry.command)),
    expect: {
      effect: entry.expect.effect,
      ...(entry.expect.rules === undefined ? {} : { rules: entry.expect.rules }),
      ...(entry.expect.reason === undefined ? {} : { reason: entry.expect.reason }),
    },
    location: { file, ...source.locate(['cases', index]) },
  }));
}

export async function loadPolicyTestsFile(path: string): Promise<PolicyTestCase[]> {
  return loadPolicyTests(await readSource(path, 'policy-tests.unreadable'), path);
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((item) => set.has(item));
};

const show = (effect: Effect, rules: readonly string[]): string => `${effect} [${rules.join(', ')}]`;

function runCase(testCase: PolicyTestCase, engine: PolicyEngine, classify: Classify): PolicyTestResult {
  const { expect } = testCase;
  let actions: readonly Action[];
  try {
    actions = classify(testCase.statement, testCase.target);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      name: testCase.name,
      passed: false,
      expected: expect,
      actual: { effect: 'deny', rules: [], reason: 'classification failed' },
      message: `the statement could not be classified: ${reason}`,
      location: testCase.location,
    };
  }
  const decision = engine.decide({
    principal: testCase.principal,
    target: testCase.target,
    actions,
    ...(testCase.clientAddress === undefined ? {} : { clientAddress: testCase.clientAddress }),
  });
  const problems: string[] = [];
  const rulesDiffer = expect.rules !== undefined && !sameSet(expect.rules, decision.rules);
  if (decision.effect !== expect.effect || rulesDiffer) {
    const wanted = expect.rules === undefined ? expect.effect : show(expect.effect, expect.rules);
    problems.push(`expected ${wanted}, got ${show(decision.effect, decision.rules)}`);
  }
  if (expect.reason !== undefined && !decision.reason.includes(expect.reason)) {
    problems.push(`expected the reason to contain "${expect.reason}"`);
  }
  if (problems.length > 0) problems.push(`reason: ${decision.reason}`);
  return {
    name: testCase.name,
    passed: problems.length === 0,
    expected: expect,
    actual: { effect: decision.effect, rules: decision.rules, reason: decision.reason },
    message: problems.join('; '),
    location: testCase.location,
  };
}

/** Runs every case and reports each one, passed or not, so the CLI can list all failures. */
export function runPolicyTests(cases: readonly PolicyTestCase[], engine: PolicyEngine, classify: Classify): PolicyTestResult[] {
  return cases.map((testCase) => runCase(testCase, engine, classify));
}
