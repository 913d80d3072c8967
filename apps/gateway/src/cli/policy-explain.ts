import type { Dialect, Principal, Target } from '@gatehouse/core';
import { DIALECTS, PRINCIPAL_KINDS } from '@gatehouse/core';
import { applyRowFilters, classifyMongoCommand } from '@gatehouse/adapter-mongodb';
import { EJSON, serialize } from 'bson';
import type { Document } from 'bson';
import { checkAttributes } from '@gatehouse/identity';
import { loadPolicyFile } from '@gatehouse/policy';
import type { CompiledPolicy } from '@gatehouse/policy';
import { SqlStatementDecider } from '@gatehouse/proxy';
import type { StatementOutcome } from '@gatehouse/proxy';
import { createSqlClassifier, redactLiterals } from '@gatehouse/sql';
import { explainOutput } from '../explain/explain-output.js';
import type { CliIo } from './io.js';
import { EXIT_OK } from './io.js';
import { ATTRIBUTE_OPTIONS, attributeOptions, listOption, oneOfOption, optionalOption, parseOptions, requireOption } from './parse-options.js';
import { reportLoadError } from './policy-errors.js';
import { UsageError } from './usage-error.js';

export const POLICY_EXPLAIN_USAGE =
  'gatehouse policy explain --policy <file> --dialect postgres|mysql|mssql|mongodb --connection <name> ' +
  '--environment <env> --user <id> [--groups a,b] [--kind human|agent|service] [--attr key=value …] [--attr-list key=a,b …] [--database <db>] ' +
  '[--schema <schema>] [--client-address <ip>] (--sql "<text>" | --command \'<MongoDB command as extended JSON>\')';

const OPTIONS = {
  policy: { type: 'string' },
  dialect: { type: 'string' },
  connection: { type: 'string' },
  environment: { type: 'string' },
  user: { type: 'string' },
  groups: { type: 'string' },
  kind: { type: 'string' },
  database: { type: 'string' },
  schema: { type: 'string' },
  'client-address': { type: 'string' },
  sql: { type: 'string' },
  command: { type: 'string' },
  ...ATTRIBUTE_OPTIONS,
} as const;

function optionalEntry<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** Classifies and decides one statement exactly as the gateway would; prints one JSON object. */
export async function policyExplain(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, OPTIONS, false);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const policyFile = requireOption(values, 'policy');
  const dialect: Dialect = oneOfOption('dialect', requireOption(values, 'dialect'), DIALECTS);
  const statementOption = dialect === 'mongodb' ? 'command' : 'sql';
  const statement = requireOption(values, statementOption);
  const other = statementOption === 'sql' ? 'command' : 'sql';
  if (optionalOption(values, other)) throw new UsageError(`--${other} is not for dialect ${dialect}; use --${statementOption}`);
  const attributes = checkedAttributes(attributeOptions(values));
  const principal: Principal = {
    id: requireOption(values, 'user'),
    groups: listOption(values.groups),
    kind: oneOfOption('kind', optionalOption(values, 'kind') ?? 'human', PRINCIPAL_KINDS),
    via: 'cli',
    ...(attributes === undefined ? {} : { attributes }),
  };
  const target: Target = {
    connection: requireOption(values, 'connection'),
    environment: requireOption(values, 'environment'),
    dialect,
    ...optionalEntry('database', optionalOption(values, 'database')),
    ...optionalEntry('schema', optionalOption(values, 'schema')),
  };

  let policy;
  try {
    policy = await loadPolicyFile(policyFile);
  } catch (error) {
    return reportLoadError(error, io);
  }
  const clientAddress = optionalOption(values, 'client-address') ?? '';
  const outcome = await decide(policy, { principal, target, clientAddress }, statement);
  // The rewritten statement carries the client's literals: shown redacted, like the actions' text.
  // MongoDB's forwardText is the rewritten command's shape, every value already replaced.
  const rewritten = outcome.forwardText === undefined ? undefined : dialect === 'mongodb' ? outcome.forwardText : redactLiterals(outcome.forwardText, dialect);
  io.out(JSON.stringify(explainOutput(outcome.actions, outcome.decision, rewritten), null, 2));
  return EXIT_OK;
}

/** The same checks a token's attributes pass, so explain decides only what a real principal could be. */
function checkedAttributes(attributes: Record<string, string | string[]> | undefined): Principal['attributes'] {
  if (attributes === undefined) return undefined;
  try {
    return checkAttributes(attributes);
  } catch (error) {
    throw new UsageError(`--attr: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * SQL goes through the gateway's own decision step (classification, policy, and the row-filter
 * rewrite when the decision carries filters); MongoDB commands through the adapter's classifier.
 */
async function decide(
  policy: CompiledPolicy,
  identity: { readonly principal: Principal; readonly target: Target; readonly clientAddress: string },
  statement: string,
): Promise<StatementOutcome> {
  const { target } = identity;
  const request = { principal: identity.principal, target, ...(identity.clientAddress ? { clientAddress: identity.clientAddress } : {}) };
  if (target.dialect === 'mongodb') {
    const command = parseMongoCommand(statement, target);
    const actions = classifyMongoCommand(target.database!, command);
    const decided = { actions, decision: policy.decide({ ...request, actions }) };
    // The same row-filter step the session runs: the rewritten command's shape, or a refusal.
    return applyRowFilters(target.database!, command, Buffer.from(serialize(command)), [], decided).outcome;
  }
  const decider = new SqlStatementDecider(await createSqlClassifier(), { current: () => policy });
  return decider.decide(identity, statement);
}

/** The --command text as the BSON document a driver would send, for the database it runs against. */
function parseMongoCommand(statement: string, target: Target): Document {
  if (!target.database) throw new UsageError('--database is required for dialect mongodb (the command runs against it)');
  let command: unknown;
  try {
    command = EJSON.parse(statement, { relaxed: false });
  } catch (error) {
    throw new UsageError(`--command is not valid extended JSON: ${(error as Error).message}`);
  }
  if (typeof command !== 'object' || command === null || Array.isArray(command)) {
    throw new UsageError('--command must be a JSON object such as \'{"find": "users", "filter": {"_id": 1}}\'');
  }
  return command as Document;
}
