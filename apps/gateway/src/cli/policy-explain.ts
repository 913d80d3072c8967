import type { Principal, SqlDialect, Target } from '@gatehouse/core';
import { PRINCIPAL_KINDS, SQL_DIALECTS } from '@gatehouse/core';
import { loadPolicyFile } from '@gatehouse/policy';
import { createSqlClassifier } from '@gatehouse/sql';
import { explainOutput } from '../explain/explain-output.js';
import type { CliIo } from './io.js';
import { EXIT_OK } from './io.js';
import { listOption, oneOfOption, optionalOption, parseOptions, requireOption } from './parse-options.js';
import { reportLoadError } from './policy-errors.js';
import { UsageError } from './usage-error.js';

export const POLICY_EXPLAIN_USAGE =
  'gatehouse policy explain --policy <file> --dialect postgres|mysql|mssql --connection <name> ' +
  '--environment <env> --user <id> [--groups a,b] [--kind human|agent|service] [--database <db>] ' +
  '[--schema <schema>] [--client-address <ip>] --sql "<text>"';

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
} as const;

function optionalEntry<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** Classifies and decides one statement exactly as the gateway would; prints one JSON object. */
export async function policyExplain(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, OPTIONS, false);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const policyFile = requireOption(values, 'policy');
  const dialect: SqlDialect = oneOfOption('dialect', requireOption(values, 'dialect'), SQL_DIALECTS);
  const sql = requireOption(values, 'sql');
  const principal: Principal = {
    id: requireOption(values, 'user'),
    groups: listOption(values.groups),
    kind: oneOfOption('kind', optionalOption(values, 'kind') ?? 'human', PRINCIPAL_KINDS),
    via: 'cli',
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
  const classifier = await createSqlClassifier();
  const actions = classifier.classify(sql, {
    dialect,
    ...(target.database ? { database: target.database } : {}),
    ...(target.schema ? { schema: target.schema } : {}),
  });
  const clientAddress = optionalOption(values, 'client-address');
  const decision = policy.decide({ principal, target, actions, ...(clientAddress ? { clientAddress } : {}) });
  io.out(JSON.stringify(explainOutput(actions, decision), null, 2));
  return EXIT_OK;
}
