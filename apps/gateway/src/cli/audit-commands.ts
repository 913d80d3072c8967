import { openAuditTrail } from '@gatehouse/audit';
import type { AuditTrail, VerifyReport } from '@gatehouse/audit';
import { loadGatewayConfig } from '../config/load-gateway-config.js';
import type { CliIo } from './io.js';
import { EXIT_FAILED, EXIT_OK } from './io.js';
import { ADMIN_OPTIONS, adminClientFrom } from './admin-client.js';
import type { ParsedOptions } from './parse-options.js';
import { optionalOption, parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

export const AUDIT_USAGE = [
  'gatehouse audit search [--user <id>] [--group g] [--connection c] [--environment e] [--table t] [--operation op] [--category c] [--effect e] [--rule r] [--type t] [--rewritten | --not-rewritten] [--from iso] [--to iso] [--limit n] [--json] (--url <admin url> --token <token> | --config <gatehouse.yaml>)',
  'gatehouse audit verify (--url … --token … | --config <gatehouse.yaml>)',
  'gatehouse audit who-touched --table <db.schema.table> [--column c] --value <v> [--json] (--url … --token … | --config …)',
].join('\n  ');

const FILTERS = ['user', 'group', 'connection', 'environment', 'table', 'operation', 'category', 'effect', 'rule', 'type', 'from', 'to', 'limit', 'cursor', 'column', 'value', 'sessionId', 'approvalId'] as const;

/**
 * Switches rather than `--rewritten true|false`: each reads as what it selects, like --json, and
 * parseArgs (strict) refuses a value after either, so a misspelt value cannot pass unnoticed.
 */
const REWRITTEN_OPTIONS = { rewritten: { type: 'boolean' }, 'not-rewritten': { type: 'boolean' } } as const;

/** 'true' / 'false' as the admin API's `rewritten` query parameter takes it; undefined when neither switch is given. */
export function rewrittenQuery(values: ParsedOptions['values']): 'true' | 'false' | undefined {
  const only = values['rewritten'] === true;
  const not = values['not-rewritten'] === true;
  if (only && not) throw new UsageError('give --rewritten or --not-rewritten, not both');
  return only ? 'true' : not ? 'false' : undefined;
}

type Event = Record<string, unknown> & { seq?: number; type: string; at: string };

/** A statement's result, folded into its record (async durability) or its own statement.result event. */
interface ResultFields {
  readonly outcome?: string;
  readonly rowsReturned?: number;
  readonly rowsAffected?: number;
  readonly errorCode?: string;
}

function resultText(result: ResultFields): string {
  const rows = (count: number, what: string): string => `${count} ${count === 1 ? 'row' : 'rows'} ${what}`;
  const counted = result.rowsReturned !== undefined ? rows(result.rowsReturned, 'returned') : result.rowsAffected !== undefined ? rows(result.rowsAffected, 'affected') : '';
  return [String(result.outcome ?? '?'), counted, result.errorCode ?? ''].filter((part) => part !== '').join(' ');
}

function statementText(event: Event): string {
  const decision = event['decision'] as { effect?: string; rules?: string[] } | undefined;
  const result = event['result'] as ResultFields | undefined;
  return [
    decision?.effect ?? '',
    (decision?.rules ?? []).join(','),
    // The client's text; what went upstream after row filtering is rewrittenText (see --json).
    event['rewritten'] === true ? '[rewritten]' : '',
    String(event['redactedText'] ?? ''),
    result ? `=> ${resultText(result)}` : '',
  ]
    .filter((part) => part !== '')
    .join(' ');
}

function eventLine(event: Event): string {
  const who = (event['principal'] as { id?: string } | undefined)?.id ?? (event['actor'] as string | undefined) ?? (event['claimedUser'] as string | undefined) ?? '-';
  const what =
    event.type === 'statement'
      ? statementText(event)
      : event.type === 'approval'
        ? `${String(event['approvalId'])} ${String(event['state'])}`
        : event.type === 'admin'
          ? `${String(event['action'])} ${String(event['outcome'])} ${String(event['resource'] ?? '')}`
          : event.type === 'auth.refused'
            ? `${String(event['reason'])} from ${(event['client'] as { address?: string } | undefined)?.address ?? '?'}`
            : event.type === 'statement.result'
              ? resultText(event as ResultFields)
              : '';
  return `${String(event.seq ?? '')}\t${event.at}\t${event.type}\t${who}\t${String(event['connection'] ?? '-')}\t${what.trim()}`;
}

function verifyText(report: VerifyReport): string {
  if (report.ok) return `ok: ${report.events} events verified (seq ${report.firstSeq ?? '-'}…${report.lastSeq ?? '-'}), ${report.checkpoints.valid}/${report.checkpoints.total} checkpoints valid`;
  const first = report.first!;
  return [`FAILED: first problem at event seq ${first.seq}: ${first.kind} — ${first.detail}`, ...report.problems.slice(1, 10).map((problem) => `  also seq ${problem.seq}: ${problem.kind}`)].join('\n');
}

/**
 * `gatehouse audit <verb>`: through the admin API (--url/--token, role auditor), or straight on
 * the store named by a gateway config (--config). The embedded store can only be opened while the
 * gateway is stopped (PGlite: one process per data directory); the PostgreSQL store any time.
 */
export async function auditCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== 'search' && verb !== 'verify' && verb !== 'who-touched') throw new UsageError(`unknown audit command "${verb ?? ''}": use search, verify or who-touched`);
  const options: Record<string, { type: 'string' | 'boolean' }> = { ...ADMIN_OPTIONS, ...REWRITTEN_OPTIONS, config: { type: 'string' } };
  for (const name of FILTERS) options[name] = { type: 'string' };
  const { values } = parseOptions(rest, options, false);
  const query: Record<string, string> = {};
  for (const name of FILTERS) {
    const value = optionalOption(values, name);
    if (value !== undefined) query[name] = value;
  }
  const rewritten = rewrittenQuery(values);
  if (rewritten !== undefined) query['rewritten'] = rewritten;
  const configFile = optionalOption(values, 'config');
  const json = values['json'] === true;

  let result: unknown;
  if (configFile !== undefined) {
    const trail = await openTrailFromConfig(configFile);
    try {
      result = await direct(trail, verb, query);
    } finally {
      await trail.close();
    }
  } else {
    const client = adminClientFrom(values);
    const path = verb === 'search' ? '/v1/audit/events' : verb === 'verify' ? '/v1/audit/verify' : '/v1/audit/who-touched';
    result = await client.request('GET', `${path}?${new URLSearchParams(query).toString()}`);
  }

  if (verb === 'verify') {
    const report = result as VerifyReport;
    io.out(json ? JSON.stringify(report, null, 2) : verifyText(report));
    return report.ok ? EXIT_OK : EXIT_FAILED;
  }
  const page = result as { events: Event[]; next?: number };
  io.out(json ? JSON.stringify(page, null, 2) : [...page.events.map(eventLine), ...(page.next !== undefined ? [`(more: --cursor ${page.next})`] : [])].join('\n') || 'no events');
  return EXIT_OK;
}

async function direct(trail: AuditTrail, verb: 'search' | 'verify' | 'who-touched', query: Record<string, string>): Promise<unknown> {
  if (verb === 'verify') return trail.verify();
  const { table, column, value, limit, cursor, type, rewritten, ...rest } = query;
  const filter = {
    ...rest,
    ...(rewritten !== undefined ? { rewritten: rewritten === 'true' } : {}),
    ...(limit !== undefined ? { limit: Number(limit) } : {}),
    ...(cursor !== undefined ? { cursor: Number(cursor) } : {}),
    ...(type !== undefined ? { type: type.includes(',') ? type.split(',') : type } : {}),
  } as Record<string, unknown>;
  if (verb === 'who-touched') {
    if (table === undefined || value === undefined) throw new UsageError('who-touched needs --table and --value');
    return trail.whoTouched({ ...(filter as object), table, ...(column !== undefined ? { column } : {}), value });
  }
  return trail.search({ ...(filter as object), ...(table !== undefined ? { object: table } : {}) });
}

async function openTrailFromConfig(configFile: string): Promise<AuditTrail> {
  const config = await loadGatewayConfig(configFile);
  const audit = config.audit;
  if (!audit) throw new UsageError(`${configFile} has no audit section`);
  const { readFile } = await import('node:fs/promises');
  const { dirname, join } = await import('node:path');
  const { DIGEST_KEY_FILE_NAME } = await import('../config/control-plane-config.js');
  const digestKey = audit.digestKey ?? (await readFile(join(dirname(config.identity.signingKey), DIGEST_KEY_FILE_NAME), 'utf8').then((text) => text.trim()).catch(() => undefined));
  const signingKey = await readFile(audit.signingKey, 'utf8').catch(() => undefined);
  return openAuditTrail({
    store: audit.store.kind === 'embedded' ? { kind: 'embedded', dataDir: audit.store.dataDir } : { kind: 'postgres', connectionString: audit.store.connectionString },
    ...(signingKey !== undefined ? { signingKey } : {}),
    ...(digestKey !== undefined ? { digestKey } : {}),
  });
}
