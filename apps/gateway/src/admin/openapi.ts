/** The admin API's OpenAPI 3.1 document, served at /openapi.json (docs/admin-api.md explains it). */
const bearer = [{ bearer: [] as string[] }];
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const q = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
const json = (description: string, schema: Record<string, unknown> = { type: 'object' }) => ({ description, content: { 'application/json': { schema } } });
const errors = {
  '401': json('No or bad admin token', { $ref: '#/components/schemas/Error' }),
  '403': json('The token lacks the role (or the approver may not decide this request)', { $ref: '#/components/schemas/Error' }),
};
const decisionBody = { required: false, content: { 'application/json': { schema: { type: 'object', properties: { comment: { type: 'string' } } } } } };

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Gatehouse admin API',
    version: '1',
    description: 'Approvals, audit trail and live sessions. Every call is authenticated with a gateway token carrying roles (admin, approver, auditor) and is itself audited.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: {
      Error: { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string' }, message: { type: 'string' } } },
      Approval: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          state: { enum: ['pending', 'approved', 'denied', 'expired', 'executed', 'cancelled'] },
          mode: { enum: ['hold', 'ticket'] },
          requester: { type: 'object' },
          connection: { type: 'string' },
          environment: { type: 'string' },
          statement: { type: 'string', description: 'Redacted: literals replaced' },
          fingerprint: { type: 'string' },
          risk: { type: 'object' },
          rule: { type: 'string' },
          approvers: { type: 'object' },
          createdAt: { type: 'string', format: 'date-time' },
          expiresAt: { type: 'string', format: 'date-time' },
          votes: { type: 'array', items: { type: 'object' } },
        },
      },
    },
  },
  paths: {
    '/healthz': { get: { summary: 'Liveness', responses: { '200': json('Alive') } } },
    '/readyz': { get: { summary: 'Readiness: the control-plane store answers', responses: { '200': json('Ready'), '503': json('Not ready') } } },
    '/metrics': {
      get: {
        summary: 'Prometheus scrape (text format 0.0.4); only when telemetry.prometheus is configured. No token: labels are connection names, rule ids, effects and error codes, never a principal or a value',
        responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, '404': json('Prometheus metrics are not configured') },
      },
    },
    '/v1/approvals': {
      get: {
        summary: 'List approval requests (newest first)',
        security: bearer,
        parameters: [q('state', 'pending, approved, …'), q('requester', 'principal id'), q('connection', 'connection name'), q('limit', 'default 100', { type: 'integer' })],
        responses: { '200': json('Requests', { type: 'object', properties: { approvals: { type: 'array', items: { $ref: '#/components/schemas/Approval' } } } }), ...errors },
      },
    },
    '/v1/approvals/{id}': { get: { summary: 'Show one request', security: bearer, parameters: [idParam], responses: { '200': json('The request', { $ref: '#/components/schemas/Approval' }), '404': json('No such request'), ...errors } } },
    '/v1/approvals/{id}/approve': {
      post: { summary: 'Approve (role approver or admin; never your own request)', security: bearer, parameters: [idParam], requestBody: decisionBody, responses: { '200': json('The request after the vote', { $ref: '#/components/schemas/Approval' }), '404': json('No such request'), '409': json('Not pending'), ...errors } },
    },
    '/v1/approvals/{id}/deny': {
      post: { summary: 'Deny (role approver or admin)', security: bearer, parameters: [idParam], requestBody: decisionBody, responses: { '200': json('The request after the vote', { $ref: '#/components/schemas/Approval' }), '404': json('No such request'), '409': json('Not pending'), ...errors } },
    },
    '/v1/audit/events': {
      get: {
        summary: 'Search the audit trail (role auditor or admin)',
        security: bearer,
        parameters: [
          q('user', 'principal id'),
          q('group', 'principal group'),
          q('connection', ''),
          q('environment', ''),
          q('table', 'dotted object name, e.g. app.public.users or *.users'),
          q('operation', 'SELECT, DELETE, …'),
          q('category', 'read, write, ddl, …'),
          q('effect', 'allow, deny, review'),
          q('rule', 'policy rule id'),
          q('type', 'event type: statement, auth.refused, approval, admin, …'),
          q('approvalId', ''),
          q('sessionId', ''),
          q('statementId', 'a statement and its statement.result'),
          q('rewritten', 'true: only statements that went upstream rewritten by row filters (they carry rewritten and the redacted rewrittenText); false: only statements forwarded as the client sent them', { type: 'boolean' }),
          q('from', 'ISO-8601, inclusive'),
          q('to', 'ISO-8601, exclusive'),
          q('order', 'asc or desc (default)'),
          q('cursor', 'the previous page\'s next', { type: 'integer' }),
          q('limit', 'default 100', { type: 'integer' }),
        ],
        responses: { '200': json('A page of events', { type: 'object', properties: { events: { type: 'array' }, next: { type: 'integer' } } }), ...errors },
      },
    },
    '/v1/audit/verify': { get: { summary: 'Verify the hash chain and checkpoints (role auditor or admin)', security: bearer, responses: { '200': json('Verify report; ok=false names the first problem'), ...errors } } },
    '/v1/audit/who-touched': {
      get: {
        summary: 'Statements that filtered on or wrote a value (the value is only hashed)',
        security: bearer,
        parameters: [{ ...q('table', 'dotted table name'), required: true }, q('column', 'optional column'), { ...q('value', 'the value'), required: true }],
        responses: { '200': json('A page of statement events'), ...errors },
      },
    },
    '/v1/sessions': { get: { summary: 'Live sessions (role admin or auditor)', security: bearer, responses: { '200': json('Sessions'), ...errors } } },
    '/v1/sessions/{id}': { delete: { summary: 'Terminate a session (role admin)', security: bearer, parameters: [idParam], responses: { '200': json('Terminated'), '404': json('No such session'), ...errors } } },
  },
} as const;
