import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApprovalForbiddenError, ApprovalNotFoundError, ApprovalStateError, approvalJson } from '@gatehouse/approvals';
import type { Approvals } from '@gatehouse/approvals';
import { AuditConfigError } from '@gatehouse/audit';
import type { AuditSearchFilter, AuditTrail } from '@gatehouse/audit';
import type { Category, Effect } from '@gatehouse/core';
import { GatehouseError } from '@gatehouse/core';
import type { Logger } from '@gatehouse/proxy';
import { errorSummary } from '@gatehouse/proxy';
import type { MetricsHandler } from '@gatehouse/telemetry';
import type { AdminRole } from '../config/control-plane-config.js';
import type { LiveSessions } from '../runtime/live-sessions.js';
import type { AdminCaller, AuthenticateToken } from './admin-auth.js';
import { AdminAuthError, authenticateAdmin } from './admin-auth.js';
import { OPENAPI_DOCUMENT } from './openapi.js';

export interface AdminServerOptions {
  readonly listen: { readonly host: string; readonly port: number };
  readonly authenticate: AuthenticateToken;
  readonly roleGroups: Readonly<Record<AdminRole, readonly string[]>>;
  readonly trail?: AuditTrail;
  readonly approvals?: Approvals;
  readonly sessions: LiveSessions;
  /** The database listeners' sessions: ids that are open, and how to end one. */
  readonly gateway: { sessionIds(): string[]; terminate(sessionId: string, reason: string): boolean };
  readonly logger: Logger;
  /** GET /metrics in Prometheus text format (telemetry's handler), when `telemetry.prometheus` is configured. */
  readonly metricsHandler?: MetricsHandler;
}

export interface RunningAdminServer {
  readonly address: { readonly host: string; readonly port: number };
  readonly url: string;
  close(): Promise<void>;
}

class HttpError extends GatehouseError {
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(code, message);
    this.status = status;
  }
}

type Query = Record<string, string | undefined>;

/**
 * The admin HTTP API, on its own listener (never a database port). Every call after /healthz,
 * /readyz and /openapi.json needs a bearer token whose roles allow it, and is audited as an
 * `admin` event before it acts (refusals too, with outcome `forbidden`).
 */
export async function startAdminServer(options: AdminServerOptions): Promise<RunningAdminServer> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  const { trail, approvals } = options;

  app.setErrorHandler((error: unknown, _request, reply) => {
    const [status, code, message] = httpError(error);
    if (status >= 500) options.logger.error({ err: errorSummary(error) }, 'admin API request failed');
    void reply.status(status).send({ error: code, message });
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    try {
      if (approvals) await approvals.list({ limit: 1 });
      const stats = trail?.stats();
      return { ok: true, ...(stats ? { audit: stats } : {}) };
    } catch (error) {
      return reply.status(503).send({ ok: false, error: errorSummary(error).message });
    }
  });
  app.get('/openapi.json', async () => OPENAPI_DOCUMENT);
  /*
   * The scrape needs no token and is not audited, like /healthz: Prometheus scrapes every few
   * seconds (auditing each would flood the trail), and the labels are bounded by configuration
   * (connections, rules, effects, error codes), never a principal, a statement or a value.
   */
  const metricsHandler = options.metricsHandler;
  if (metricsHandler) {
    app.get('/metrics', (request, reply) => {
      // The exporter writes the raw response itself; Fastify must not touch it afterwards.
      reply.hijack();
      metricsHandler(request.raw, reply.raw);
    });
  }

  /**
   * Authenticates, checks the role, audits, then acts. The admin event is durable before the
   * action runs, so no admin action happens unrecorded.
   */
  const guarded = <T>(action: string, roles: readonly AdminRole[], resourceOf: (request: FastifyRequest) => string | undefined, run: (request: FastifyRequest, caller: AdminCaller, reply: FastifyReply) => Promise<T>) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<T> => {
      const client = { address: request.ip, ...(request.headers['user-agent'] ? { application: String(request.headers['user-agent']).slice(0, 100) } : {}) };
      const resource = resourceOf(request);
      let caller: AdminCaller;
      try {
        caller = await authenticateAdmin(request.headers.authorization, request.ip, options.authenticate, options.roleGroups);
      } catch (error) {
        await trail?.adminAction({ actor: 'anonymous', roles: [], action, ...(resource ? { resource } : {}), outcome: 'forbidden', client });
        throw error;
      }
      const allowed = caller.roles.includes('admin') || caller.roles.some((role) => roles.includes(role));
      await trail?.adminAction({
        actor: caller.principal.id,
        roles: caller.roles,
        action,
        ...(resource ? { resource } : {}),
        outcome: allowed ? 'ok' : 'forbidden',
        client,
        principal: { id: caller.principal.id, groups: caller.principal.groups, kind: caller.principal.kind, via: caller.principal.via },
      });
      if (!allowed) throw new HttpError(403, 'admin.forbidden', `${action} needs role ${['admin', ...roles].join(' or ')}; ${caller.principal.id} has ${caller.roles.join(', ') || 'no admin roles'}`);
      return run(request, caller, reply);
    };

  const needApprovals = (): Approvals => {
    if (!approvals) throw new HttpError(503, 'admin.no-approvals', 'approvals need the audit section (the control-plane store) in the gateway configuration');
    return approvals;
  };
  const needTrail = (): AuditTrail => {
    if (!trail) throw new HttpError(503, 'admin.no-audit', 'this gateway has no audit section in its configuration');
    return trail;
  };
  const id = (request: FastifyRequest): string => (request.params as { id: string }).id;
  const comment = (request: FastifyRequest): string | undefined => {
    const body = request.body as { comment?: unknown } | undefined;
    return typeof body?.comment === 'string' && body.comment.length > 0 ? body.comment.slice(0, 500) : undefined;
  };
  const approver = (caller: AdminCaller) => ({ id: caller.principal.id, groups: caller.principal.groups });

  app.get(
    '/v1/approvals',
    guarded('approvals.list', ['approver', 'auditor'], () => undefined, async (request) => {
      const query = request.query as Query;
      const list = await needApprovals().list({
        ...(query['state'] ? { state: query['state'] as never } : {}),
        ...(query['requester'] ? { requester: query['requester'] } : {}),
        ...(query['connection'] ? { connection: query['connection'] } : {}),
        ...(query['limit'] ? { limit: Number(query['limit']) } : {}),
      });
      return { approvals: list.map(approvalJson) };
    }),
  );
  app.get('/v1/approvals/:id', guarded('approvals.show', ['approver', 'auditor'], id, async (request) => approvalJson(await needApprovals().get(id(request)))));
  app.post(
    '/v1/approvals/:id/approve',
    guarded('approvals.approve', ['approver'], id, async (request, caller) => approvalJson(await needApprovals().approve(id(request), approver(caller), comment(request)))),
  );
  app.post(
    '/v1/approvals/:id/deny',
    guarded('approvals.deny', ['approver'], id, async (request, caller) => approvalJson(await needApprovals().deny(id(request), approver(caller), comment(request)))),
  );

  app.get('/v1/audit/events', guarded('audit.search', ['auditor'], () => undefined, async (request) => needTrail().search(searchFilter(request.query as Query))));
  app.get('/v1/audit/verify', guarded('audit.verify', ['auditor'], () => undefined, async () => needTrail().verify()));
  app.get(
    '/v1/audit/who-touched',
    guarded('audit.who-touched', ['auditor'], () => undefined, async (request) => {
      const query = request.query as Query;
      if (!query['table'] || query['value'] === undefined) throw new HttpError(400, 'admin.bad-request', 'who-touched needs table and value');
      const { table, column, value, ...rest } = query;
      return needTrail().whoTouched({ ...searchFilter(rest), table, ...(column ? { column } : {}), value });
    }),
  );

  app.get(
    '/v1/sessions',
    guarded('sessions.list', ['auditor'], () => undefined, async () => {
      const open = new Set(options.gateway.sessionIds());
      return { sessions: options.sessions.list().filter((session) => open.has(session.sessionId)) };
    }),
  );
  app.delete(
    '/v1/sessions/:id',
    guarded('sessions.terminate', [], id, async (request, caller) => {
      if (!options.gateway.terminate(id(request), `terminated by ${caller.principal.id}`)) throw new HttpError(404, 'admin.no-session', `no live session ${id(request)}`);
      return { terminated: id(request) };
    }),
  );

  await app.listen({ host: options.listen.host, port: options.listen.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.listen.port;
  const host = options.listen.host;
  return { address: { host, port }, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, close: () => closeApp(app) };
}

async function closeApp(app: FastifyInstance): Promise<void> {
  await app.close();
}

/** The audit search filter from the query string (also used by who-touched for its narrowing filters). */
function searchFilter(query: Query): AuditSearchFilter {
  const pick = (name: string): string | undefined => (query[name] !== undefined && query[name] !== '' ? query[name] : undefined);
  const number = (name: string): number | undefined => {
    const value = pick(name);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed)) throw new HttpError(400, 'admin.bad-request', `${name} must be a whole number`);
    return parsed;
  };
  const filter: Record<string, unknown> = {};
  for (const name of ['user', 'group', 'connection', 'environment', 'operation', 'rule', 'sessionId', 'statementId', 'approvalId', 'from', 'to']) {
    const value = pick(name);
    if (value !== undefined) filter[name] = value;
  }
  const table = pick('table') ?? pick('object');
  if (table !== undefined) filter['object'] = table;
  if (pick('category')) filter['category'] = pick('category') as Category;
  if (pick('effect')) filter['effect'] = pick('effect') as Effect;
  if (pick('type')) filter['type'] = pick('type')!.includes(',') ? pick('type')!.split(',') : pick('type');
  if (pick('order')) filter['order'] = pick('order') === 'asc' ? 'asc' : 'desc';
  const rewritten = pick('rewritten');
  if (rewritten !== undefined) {
    // Anything but the two words is refused: ignoring `rewritten=1` or `yes` would return every event while the caller believes it filtered.
    if (rewritten !== 'true' && rewritten !== 'false') throw new HttpError(400, 'admin.bad-request', 'rewritten must be true or false');
    filter['rewritten'] = rewritten === 'true';
  }
  const cursor = number('cursor');
  if (cursor !== undefined) filter['cursor'] = cursor;
  const limit = number('limit');
  if (limit !== undefined) filter['limit'] = limit;
  return filter as AuditSearchFilter;
}

function httpError(error: unknown): [number, string, string] {
  if (error instanceof HttpError) return [error.status, error.code, error.message];
  if (error instanceof AdminAuthError) return [401, error.code, error.message];
  if (error instanceof ApprovalNotFoundError) return [404, error.code, error.message];
  if (error instanceof ApprovalForbiddenError) return [403, error.code, error.message];
  if (error instanceof ApprovalStateError) return [409, error.code, error.message];
  if (error instanceof AuditConfigError) return [400, error.code, error.message];
  const fastify = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode < 500) return [fastify.statusCode, fastify.code ?? 'admin.bad-request', fastify.message ?? 'bad request'];
  return [500, 'admin.internal', 'the admin API failed; see the gateway log'];
}
