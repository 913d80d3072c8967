import type { CliIo } from './io.js';
import { EXIT_OK } from './io.js';
import { ADMIN_OPTIONS, adminClientFrom } from './admin-client.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

export const APPROVALS_USAGE = [
  'gatehouse approvals list [--state pending] [--requester <id>] [--connection <name>] [--json] --url <admin url> --token <token>',
  'gatehouse approvals show|approve|deny <id> [--comment <text>] [--json] --url <admin url> --token <token>',
].join('\n  ');

interface ApprovalView {
  id: string;
  state: string;
  mode: string;
  requester: { id: string };
  connection: string;
  environment: string;
  rule: string;
  risk: { score: number };
  statement: string;
  createdAt: string;
  expiresAt: string;
  votes: { approver: string; verdict: string; comment?: string }[];
}

function line(request: ApprovalView): string {
  return `${request.id}  ${request.state.padEnd(9)} ${request.mode.padEnd(6)} ${request.requester.id} on ${request.connection} (${request.environment})  rule ${request.rule}  risk ${request.risk.score}  ${request.statement}`;
}

function details(request: ApprovalView): string {
  return [
    line(request),
    `  created ${request.createdAt}, expires ${request.expiresAt}`,
    ...request.votes.map((vote) => `  ${vote.verdict} by ${vote.approver}${vote.comment ? `: ${vote.comment}` : ''}`),
  ].join('\n');
}

/** `gatehouse approvals <verb>`: the admin API's approvals, for approvers at a terminal. */
export async function approvalsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [verb, ...rest] = args;
  const { values, positionals } = parseOptions(rest, { ...ADMIN_OPTIONS, state: { type: 'string' }, requester: { type: 'string' }, connection: { type: 'string' }, comment: { type: 'string' } });
  const client = adminClientFrom(values);
  const print = (value: unknown, human: () => string): void => io.out(values['json'] ? JSON.stringify(value, null, 2) : human());
  if (verb === 'list') {
    const query = new URLSearchParams();
    for (const name of ['state', 'requester', 'connection']) if (typeof values[name] === 'string') query.set(name, values[name]);
    const result = (await client.request('GET', `/v1/approvals?${query.toString()}`)) as { approvals: ApprovalView[] };
    print(result, () => (result.approvals.length === 0 ? 'no approval requests' : result.approvals.map(line).join('\n')));
    return EXIT_OK;
  }
  if (verb !== 'show' && verb !== 'approve' && verb !== 'deny') throw new UsageError(`unknown approvals command "${verb ?? ''}": use list, show, approve or deny`);
  const id = positionals[0];
  if (!id) throw new UsageError(`gatehouse approvals ${verb} needs the request id (apr_…)`);
  const path = `/v1/approvals/${encodeURIComponent(id)}`;
  const result = (
    verb === 'show'
      ? await client.request('GET', path)
      : await client.request('POST', `${path}/${verb}`, typeof values['comment'] === 'string' ? { comment: values['comment'] } : {})
  ) as ApprovalView;
  print(result, () => details(result));
  return EXIT_OK;
}
