import { GatehouseError } from '@gatehouse/core';
import { DEMO_USAGE, demo } from './cli/demo.js';
import type { CliIo } from './cli/io.js';
import { EXIT_INVALID, EXIT_OK, processIo } from './cli/io.js';
import { POLICY_CHECK_USAGE, policyCheck } from './cli/policy-check.js';
import { POLICY_DEMO_USAGE, policyDemo } from './cli/policy-demo.js';
import { POLICY_EXPLAIN_USAGE, policyExplain } from './cli/policy-explain.js';
import { POLICY_TEST_USAGE, policyTest } from './cli/policy-test.js';
import { APPROVALS_USAGE, approvalsCommand } from './cli/approvals-commands.js';
import { AUDIT_USAGE, auditCommand } from './cli/audit-commands.js';
import { START_USAGE, start } from './cli/start.js';
import { TOKEN_ISSUE_USAGE, tokenIssue } from './cli/token-issue.js';
import { UsageError } from './cli/usage-error.js';

type Command = (args: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  start: { run: start, usage: START_USAGE },
  'token issue': { run: tokenIssue, usage: TOKEN_ISSUE_USAGE },
  demo: { run: demo, usage: DEMO_USAGE },
  'policy check': { run: policyCheck, usage: POLICY_CHECK_USAGE },
  'policy explain': { run: policyExplain, usage: POLICY_EXPLAIN_USAGE },
  'policy test': { run: policyTest, usage: POLICY_TEST_USAGE },
  'policy demo': { run: policyDemo, usage: POLICY_DEMO_USAGE },
  approvals: { run: approvalsCommand, usage: APPROVALS_USAGE },
  audit: { run: auditCommand, usage: AUDIT_USAGE },
};

const HELP = ['Usage:', ...Object.values(COMMANDS).map((command) => `  ${command.usage}`)].join('\n');

/** Runs the CLI; returns the exit code. Expected failures (usage, bad files) exit 2; bugs propagate. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(HELP);
    return argv.length === 0 ? EXIT_INVALID : EXIT_OK;
  }
  const twoWords = `${argv[0]} ${argv[1] ?? ''}`;
  const [name, rest] = COMMANDS[twoWords] ? [twoWords, argv.slice(2)] : [argv[0]!, argv.slice(1)];
  const command = COMMANDS[name];
  if (!command) {
    io.err(`gatehouse: unknown command "${argv.slice(0, 2).join(' ')}"\n${HELP}`);
    return EXIT_INVALID;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`Usage: ${command.usage}`);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`gatehouse ${name}: ${error.message}\nUsage: ${command.usage}`);
      return EXIT_INVALID;
    }
    if (error instanceof GatehouseError) {
      io.err(`gatehouse ${name}: ${error.message}`);
      return EXIT_INVALID;
    }
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      io.err(`gatehouse ${name}: ${(error as Error).message}`);
      return EXIT_INVALID;
    }
    throw error;
  }
}
