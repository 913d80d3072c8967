import { describe, expect, it } from 'vitest';
import { action, object, policy, principal, request, rules, target } from './test-support/builders.js';

const ana = principal('ana', ['analysts']);
const select = action('read', 'SELECT', ['orders.public.users']);

describe('decide: defaults and ordering', () => {
  it('denies by default and says what no rule allows, without statement text', () => {
    const engine = rules(`  - { id: nothing, effect: allow, when: { environment: [dev] } }\n`);
    const decision = engine.decide(request(ana, [select]));
    expect(decision.effect).toBe('deny');
    expect(decision.rules).toEqual([]);
    expect(decision.reason).toBe('no rule allows read SELECT on orders.public.users for ana (human)');
  });

  it('allows an empty statement: nothing to execute', () => {
    const decision = rules(`  - { id: x, effect: deny }\n`).decide(request(ana, []));
    expect(decision).toMatchObject({ effect: 'allow', rules: [], reason: 'nothing to execute' });
  });

  it('deny beats review beats allow, whatever the rule order', () => {
    const all = rules(`
  - { id: a, effect: allow }
  - { id: r, effect: review, review: { approvers: { groups: [dba] } } }
  - { id: d, effect: deny, message: no }
`);
    expect(all.decide(request(ana, [select]))).toMatchObject({ effect: 'deny', rules: ['d'], reason: 'denied by rule d: no' });
    const reviewAndAllow = rules(`
  - { id: a, effect: allow }
  - { id: r, effect: review, review: { approvers: { groups: [dba] } } }
`);
    expect(reviewAndAllow.decide(request(ana, [select]))).toMatchObject({ effect: 'review', rules: ['r'] });
  });

  it('lists every rule that caused the effect, in policy order', () => {
    const engine = rules(`
  - { id: one, effect: deny, message: first }
  - { id: two, effect: deny }
`);
    const decision = engine.decide(request(ana, [select]));
    expect(decision.rules).toEqual(['one', 'two']);
    expect(decision.reason).toBe('denied by rule one: first; denied by rule two');
  });

  it('takes the strictest effect across several actions and names only the deciding rules', () => {
    const engine = rules(`
  - { id: reads, effect: allow, when: { action: { category: [read] } } }
  - { id: big-writes, effect: review, when: { action: { flags: [unbounded] } }, review: { approvers: { users: [bob] } } }
  - { id: writes, effect: allow, when: { action: { category: [write] } } }
`);
    const del = action('write', 'DELETE', ['orders.public.users'], ['unbounded']);
    const decision = engine.decide(request(ana, [select, del]));
    expect(decision.effect).toBe('review');
    expect(decision.rules).toEqual(['big-writes']);
    const withDefaultDeny = engine.decide(request(ana, [select, action('ddl', 'DROP TABLE', ['orders.public.t'])]));
    expect(withDefaultDeny.effect).toBe('deny');
    expect(withDefaultDeny.reason).toBe('no rule allows ddl DROP TABLE on orders.public.t for ana (human)');
  });

  it('denies (never throws) when evaluation fails on a malformed request', () => {
    const engine = rules(`  - { id: a, effect: allow, when: { action: { flags: [unbounded] } } }\n`);
    const broken = { ...select, flags: null } as unknown as typeof select;
    const decision = engine.decide(request(ana, [broken]));
    expect(decision.effect).toBe('deny');
    expect(decision.reason).toMatch(/policy evaluation failed/);
  });
});

describe('decide: conditions', () => {
  const single = (when: string) => rules(`  - { id: r, effect: allow, when: ${when} }\n`);
  const allowed = (when: string, req: Parameters<ReturnType<typeof policy>['decide']>[0]) => single(when).decide(req).effect === 'allow';

  it('principal users, groups (any-of) and kind', () => {
    expect(allowed('{ principal: { users: [ana, bob] } }', request(ana, [select]))).toBe(true);
    expect(allowed('{ principal: { users: [bob] } }', request(ana, [select]))).toBe(false);
    expect(allowed('{ principal: { groups: [dba, analysts] } }', request(ana, [select]))).toBe(true);
    expect(allowed('{ principal: { groups: [dba] } }', request(ana, [select]))).toBe(false);
    expect(allowed('{ principal: { kind: [agent] } }', request(principal('bot', [], 'agent'), [select]))).toBe(true);
    expect(allowed('{ principal: { kind: [agent] } }', request(ana, [select]))).toBe(false);
  });

  it('different conditions are all-of', () => {
    expect(allowed('{ principal: { groups: [analysts] }, environment: [prod] }', request(ana, [select]))).toBe(true);
    expect(allowed('{ principal: { groups: [analysts] }, environment: [dev] }', request(ana, [select]))).toBe(false);
  });

  it('connection, environment (single value shorthand), dialect and database', () => {
    expect(allowed('{ connection: [orders] }', request(ana, [select]))).toBe(true);
    expect(allowed('{ connection: [billing] }', request(ana, [select]))).toBe(false);
    expect(allowed('{ environment: prod }', request(ana, [select]))).toBe(true);
    expect(allowed('{ dialect: [mysql, postgres] }', request(ana, [select]))).toBe(true);
    expect(allowed('{ dialect: [mssql] }', request(ana, [select]))).toBe(false);
    expect(allowed('{ database: [orders] }', request(ana, [select]))).toBe(true);
    expect(allowed('{ database: [orders] }', request(ana, [select], target('prod', { database: undefined })))).toBe(false);
  });

  it('action category, operation (case and spacing insensitive) and flags (any-of)', () => {
    const drop = action('ddl', 'DROP TABLE', ['orders.public.t']);
    expect(allowed('{ action: { category: [ddl] } }', request(ana, [drop]))).toBe(true);
    expect(allowed('{ action: { category: [read] } }', request(ana, [drop]))).toBe(false);
    expect(allowed('{ action: { operation: [drop  table] } }', request(ana, [drop]))).toBe(true);
    expect(allowed('{ action: { operation: [TRUNCATE] } }', request(ana, [drop]))).toBe(false);
    const find = { ...action('read', 'find', ['shop.users']), dialect: 'mongodb' as const };
    expect(allowed('{ action: { operation: [FIND] } }', request(ana, [find]))).toBe(true);
    const flagged = action('write', 'DELETE', ['a.b.c'], ['unbounded', 'multi-statement']);
    expect(allowed('{ action: { flags: [dynamic, unbounded] } }', request(ana, [flagged]))).toBe(true);
    expect(allowed('{ action: { flags: [dynamic] } }', request(ana, [flagged]))).toBe(false);
  });

  it('objects: "*" is one segment, "**" any number', () => {
    expect(allowed('{ action: { objects: ["*.*.users"] } }', request(ana, [select]))).toBe(true);
    expect(allowed('{ action: { objects: ["*.users"] } }', request(ana, [select]))).toBe(false);
    expect(allowed('{ action: { objects: ["orders.**"] } }', request(ana, [select]))).toBe(true);
    expect(allowed('{ action: { objects: ["billing.**"] } }', request(ana, [select]))).toBe(false);
  });

  it('objects: access and kind filters', () => {
    const insert = action('write', 'INSERT', [object('orders.public.users', 'write')]);
    expect(allowed('{ action: { objects: [{ name: "**", access: [write] }] } }', request(ana, [insert]))).toBe(true);
    expect(allowed('{ action: { objects: [{ name: "**", access: [read] }] } }', request(ana, [insert]))).toBe(false);
    expect(allowed('{ action: { objects: [{ name: "**", kind: [view] }] } }', request(ana, [insert]))).toBe(false);
  });

  it('objects: allow needs every object to match, deny needs any; no objects never matches', () => {
    const join = action('read', 'SELECT', ['app.public.orders', 'secret.public.keys']);
    expect(allowed('{ action: { objects: ["app.**"] } }', request(ana, [join]))).toBe(false);
    expect(allowed('{ action: { objects: ["app.**", "secret.**"] } }', request(ana, [join]))).toBe(true);
    expect(allowed('{ action: { objects: ["**"] } }', request(ana, [action('read', 'SELECT')]))).toBe(false);
    const engine = rules(`
  - { id: all, effect: allow }
  - { id: no-secrets, effect: deny, when: { action: { objects: ["secret.**"] } } }
`);
    expect(engine.decide(request(ana, [join])).effect).toBe('deny');
  });

  it('risk min and max', () => {
    const del = action('write', 'DELETE', ['a.b.c'], ['unbounded']); // 2 + 3 + prod 2 = 7
    expect(allowed('{ risk: { min: 7 } }', request(ana, [del]))).toBe(true);
    expect(allowed('{ risk: { min: 8 } }', request(ana, [del]))).toBe(false);
    expect(allowed('{ risk: { max: 6 } }', request(ana, [del]))).toBe(false);
    expect(allowed('{ risk: { min: 0, max: 7 } }', request(ana, [del]))).toBe(true);
  });

  it('client address: IPv4 and IPv6 CIDRs; a missing address never matches', () => {
    const when = '{ clientAddress: [10.0.0.0/8, "2001:db8::/32"] }';
    expect(allowed(when, request(ana, [select], target(), '10.20.30.40'))).toBe(true);
    expect(allowed(when, request(ana, [select], target(), '192.168.0.1'))).toBe(false);
    expect(allowed(when, request(ana, [select], target(), '2001:db8::42'))).toBe(true);
    expect(allowed(when, request(ana, [select], target(), 'fe80::1'))).toBe(false);
    expect(allowed(when, request(ana, [select]))).toBe(false);
  });

  it('unless carves out an exception', () => {
    const engine = rules(`
  - { id: all, effect: allow }
  - id: no-ddl
    effect: deny
    when: { action: { category: [ddl] } }
    unless: { principal: { groups: [dba] } }
  - id: no-prod-writes
    effect: deny
    when: { action: { category: [write] } }
    unless: { action: { objects: ["scratch.**"] } }
`);
    const drop = action('ddl', 'DROP TABLE', ['orders.public.t']);
    expect(engine.decide(request(ana, [drop])).effect).toBe('deny');
    expect(engine.decide(request(principal('dan', ['dba']), [drop])).effect).toBe('allow');
    expect(engine.decide(request(ana, [action('write', 'INSERT', ['scratch.public.t'])])).effect).toBe('allow');
    // A deny rule's exception needs every object inside it.
    expect(engine.decide(request(ana, [action('write', 'INSERT', ['scratch.public.t', 'orders.public.t'])])).effect).toBe('deny');
  });
});

describe('decide: observe mode', () => {
  const engine = rules(`
  - { id: reads, effect: allow, when: { action: { category: [read] } } }
  - { id: new-deny, effect: deny, mode: observe, when: { action: { objects: ["*.*.users"] } } }
  - { id: new-allow, effect: allow, mode: observe, when: { action: { category: [write] } } }
  - { id: quiet, effect: allow, mode: observe, when: { environment: [dev] } }
`);

  it('reports a rule that would change the outcome, without enforcing it', () => {
    const decision = engine.decide(request(ana, [select]));
    expect(decision.effect).toBe('allow');
    expect(decision.rules).toEqual(['reads']);
    expect(decision.observed).toEqual([{ rule: 'new-deny', effect: 'deny' }]);
  });

  it('reports an observe allow that would lift a default deny', () => {
    const decision = engine.decide(request(ana, [action('write', 'INSERT', ['orders.public.orders'])]));
    expect(decision.effect).toBe('deny');
    expect(decision.observed).toEqual([{ rule: 'new-allow', effect: 'allow' }]);
  });

  it('reports nothing when no observe rule matches', () => {
    expect(engine.decide(request(ana, [action('read', 'SELECT', ['orders.public.orders'])])).observed).toEqual([]);
  });
});

describe('decide: obligations', () => {
  it('merges masks of matching allow rules (union) and keeps the smallest row limit', () => {
    const engine = policy(`
version: 1
detectors:
  - { name: employee_id, regex: "EMP-[0-9]{6}" }
  - { name: unused, words: [x] }
rules:
  - id: analysts
    effect: allow
    when: { principal: { groups: [analysts] } }
    mask: { columns: { "*.*.users.email": partial }, detect: [email], failure: best-effort }
    limit: { rows: 1000 }
  - id: pii
    effect: allow
    when: { action: { category: [read] } }
    mask:
      columns: { "*ssn*": { strategy: redact, replacement: "***" }, "*.*.users.phone": { strategy: partial, keep: 4 } }
      detect: [{ detector: employee_id, strategy: hash }]
    limit: { rows: 100 }
    audit: full
`);
    const { effect, rules: ruleIds, obligations } = engine.decide(request(ana, [select]));
    expect(effect).toBe('allow');
    expect(ruleIds).toEqual(['analysts', 'pii']);
    expect(obligations.rowLimit).toBe(100);
    expect(obligations.audit).toBe('full');
    expect(obligations.mask).toEqual({
      columns: [
        { pattern: '*.*.users.email', strategy: { kind: 'partial' }, rule: 'analysts' },
        { pattern: '*ssn*', strategy: { kind: 'redact', replacement: '***' }, rule: 'pii' },
        { pattern: '*.*.users.phone', strategy: { kind: 'partial', keep: 4 }, rule: 'pii' },
      ],
      detectors: [
        { detector: 'email', strategy: { kind: 'redact' }, rule: 'analysts' },
        { detector: 'employee_id', strategy: { kind: 'hash' }, rule: 'pii' },
      ],
      customDetectors: [{ name: 'employee_id', regex: 'EMP-[0-9]{6}' }],
      failure: 'strict',
    });
  });

  it('takes mask failure from defaults and audit from defaults', () => {
    const engine = policy(`
version: 1
defaults: { mask: { failure: best-effort }, audit: minimal }
rules:
  - { id: a, effect: allow, mask: { detect: [jwt] } }
`);
    const { obligations } = engine.decide(request(ana, [select]));
    expect(obligations.audit).toBe('minimal');
    expect(obligations.mask?.failure).toBe('best-effort');
  });

  it('turns a review block into a ReviewObligation, with defaults', () => {
    const engine = rules(`
  - id: r
    effect: review
    review: { approvers: { groups: [dba], users: [carol] }, minApprovals: 2, mode: ticket, timeout: 8h }
  - { id: r2, effect: review, review: { approvers: { users: [bob] } } }
`);
    const decision = engine.decide(request(ana, [select]));
    expect(decision.effect).toBe('review');
    expect(decision.rules).toEqual(['r', 'r2']);
    expect(decision.obligations.review).toEqual({
      rule: 'r',
      mode: 'ticket',
      approvers: { groups: ['dba'], users: ['carol'] },
      minApprovals: 2,
      timeoutMs: 8 * 3_600_000,
    });
    const defaults = rules(`  - { id: r2, effect: review, review: { approvers: { users: [bob] } } }\n`).decide(request(ana, [select]));
    expect(defaults.obligations.review).toEqual({ rule: 'r2', mode: 'hold', approvers: { groups: [], users: ['bob'] }, minApprovals: 1, timeoutMs: 900_000 });
  });

  it('carries no result obligations on deny', () => {
    const engine = rules(`
  - { id: a, effect: allow, mask: { detect: [email] }, limit: { rows: 5 } }
  - { id: d, effect: deny, audit: full }
`);
    expect(engine.decide(request(ana, [select])).obligations).toEqual({ audit: 'full' });
  });

  it('reports the riskiest action with its factors', () => {
    const engine = rules(`  - { id: a, effect: allow }\n`);
    const drop = action('ddl', 'DROP TABLE', ['orders.public.t']);
    const { risk } = engine.decide(request(principal('bot', [], 'agent'), [select, drop]));
    expect(risk).toEqual({
      score: 7,
      factors: [
        { name: 'category:ddl', points: 4 },
        { name: 'environment:prod', points: 2 },
        { name: 'principal:agent', points: 1 },
      ],
    });
  });
});
