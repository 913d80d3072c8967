import { readFile } from 'node:fs/promises';
import type { Target } from '@gatehouse/core';
import { loadPolicyFile, loadPolicyTests, runPolicyTests } from '@gatehouse/policy';
import { createSqlClassifier } from '@gatehouse/sql';
import type { CliIo } from './io.js';
import { EXIT_FAILED, EXIT_OK } from './io.js';
import { parseOptions, requireOption } from './parse-options.js';
import { reportLoadError } from './policy-errors.js';
import { UsageError } from './usage-error.js';

export const POLICY_TEST_USAGE = 'gatehouse policy test <cases.yaml> --policy <policy.yaml>';

/** Runs policy test cases through the real classifier and engine; exit 1 listing each failure. */
export async function policyTest(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, { policy: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError(`expected one cases file: ${POLICY_TEST_USAGE}`);
  const casesFile = positionals[0]!;
  let policy;
  let cases;
  try {
    policy = await loadPolicyFile(requireOption(values, 'policy'));
    cases = loadPolicyTests(await readFile(casesFile, 'utf8'), casesFile);
  } catch (error) {
    return reportLoadError(error, io);
  }
  const classifier = await createSqlClassifier();
  const classify = (statement: string, target: Target) => {
    // Never decide a case on zero actions: a dialect we cannot classify yet is an error, not an allow.
    if (target.dialect === 'mongodb') throw new UsageError('MongoDB cases are not supported until the MongoDB adapter lands');
    return classifier.classify(statement, {
      dialect: target.dialect,
      ...(target.database ? { database: target.database } : {}),
      ...(target.schema ? { schema: target.schema } : {}),
    });
  };
  const results = runPolicyTests(cases, policy, classify);
  const failures = results.filter((result) => !result.passed);
  for (const failure of failures) io.err(`FAIL ${failure.name}: ${failure.message}`);
  io.out(`${results.length - failures.length} passed, ${failures.length} failed`);
  return failures.length === 0 ? EXIT_OK : EXIT_FAILED;
}
