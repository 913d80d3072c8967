import { loadPolicyFile } from '@gatehouse/policy';
import type { CliIo } from './io.js';
import { EXIT_OK } from './io.js';
import { parseOptions } from './parse-options.js';
import { reportLoadError } from './policy-errors.js';
import { UsageError } from './usage-error.js';

export const POLICY_CHECK_USAGE = 'gatehouse policy check <policy.yaml>';

/** `gatehouse policy check <file>`: exit 0 when the policy loads, 2 with located problems when not. */
export async function policyCheck(args: readonly string[], io: CliIo): Promise<number> {
  const { positionals } = parseOptions(args, {});
  if (positionals.length !== 1) throw new UsageError(`expected one policy file: ${POLICY_CHECK_USAGE}`);
  const file = positionals[0]!;
  try {
    const policy = await loadPolicyFile(file);
    io.out(`${file}: OK (${policy.rules.length} rule${policy.rules.length === 1 ? '' : 's'})`);
    return EXIT_OK;
  } catch (error) {
    return reportLoadError(error, io);
  }
}
