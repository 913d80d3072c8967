import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import type { CliIo } from './io.js';

const DEMO = fileURLToPath(new URL('../../demo/', import.meta.url));
const POLICY = join(DEMO, 'policy.yaml');

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (text) => void (out += `${text}\n`), err: (text) => void (err += `${text}\n`) };
  const code = await main(argv, io);
  return { code, out, err };
}

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gatehouse-cli-')), name);
  writeFileSync(file, text);
  return file;
}

const explainArgs = (sql: string, ...extra: string[]) => [
  'policy', 'explain', '--policy', POLICY, '--dialect', 'postgres', '--connection', 'orders',
  '--environment', 'prod', '--database', 'orders', ...extra, '--sql', sql,
];

describe('gatehouse policy check', () => {
  it('accepts a valid policy', async () => {
    const result = await run('policy', 'check', POLICY);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/OK \(\d+ rules\)/);
  });

  it('exits 2 with file:line:col for every problem', async () => {
    const file = tempFile('bad.yaml', 'version: 1\nrules:\n  - id: r1\n    efect: allow\n  - id: r2\n    effect: allow\n    when: { action: { category: [reads] } }\n');
    const result = await run('policy', 'check', file);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`${file}:4:5: unknown key "efect"`);
    expect(result.err).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+: .*reads`));
  });

  it('exits 2 with a located message for a file that is not YAML', async () => {
    const result = await run('policy', 'check', tempFile('broken.yaml', 'rules: [\n'));
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/broken\.yaml:\d+:\d+: YAML syntax error/);
  });
});

describe('gatehouse policy explain', () => {
  it('prints one JSON decision with actions, risk and masks', async () => {
    const result = await run(...explainArgs("SELECT email FROM users WHERE id = 42 AND name = 'Ana'", '--user', 'ana', '--groups', 'analysts'));
    expect(result.code).toBe(0);
    const output = JSON.parse(result.out);
    expect(output.effect).toBe('allow');
    expect(output.rules).toEqual(['analysts-read']);
    expect(output.actions[0]).toMatchObject({ category: 'read', operation: 'SELECT' });
    expect(output.actions[0].objects[0].name).toBe('orders.public.users');
    expect(output.mask.columns['*.*.users.email']).toMatch(/^partial/);
    expect(typeof output.risk.score).toBe('number');
    // No literal ever leaves the classifier.
    expect(result.out).not.toContain('42');
    expect(result.out).not.toContain('Ana');
  });

  it('denies a destructive statement hidden after a read', async () => {
    const result = await run(...explainArgs('SELECT 1; DROP TABLE users', '--user', 'dora', '--groups', 'dba'));
    const output = JSON.parse(result.out);
    expect(output.effect).toBe('deny');
    expect(output.rules).toContain('no-destructive-ddl-in-prod');
    expect(output.actions.map((action: { operation: string }) => action.operation)).toEqual(['SELECT', 'DROP TABLE']);
  });

  it('classifies as an agent with --kind', async () => {
    const result = await run(...explainArgs("UPDATE users SET name = 'x' WHERE id = 1", '--user', 'bot', '--groups', 'dba', '--kind', 'agent'));
    expect(JSON.parse(result.out)).toMatchObject({ effect: 'deny', rules: ['agents-never-write-prod'] });
  });

  it('exits 2 with a clear message for invalid arguments', async () => {
    const missing = await run('policy', 'explain', '--policy', POLICY, '--dialect', 'postgres');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('missing required option');
    const badDialect = await run(...explainArgs('SELECT 1', '--user', 'a').map((arg) => (arg === 'postgres' ? 'oracle' : arg)));
    expect(badDialect.code).toBe(2);
    expect(badDialect.err).toContain('--dialect must be one of');
    const unknown = await run(...explainArgs('SELECT 1', '--user', 'a', '--colour', 'red'));
    expect(unknown.code).toBe(2);
  });
});

describe('gatehouse policy explain: principal attributes and row filters', () => {
  const FILTER_POLICY = [
    'version: 1',
    'rules:',
    '  - id: support-sees-own-region',
    '    effect: allow',
    '    when:',
    '      principal: { groups: [support] }',
    '      action: { category: [read, write] }',
    '    filter:',
    '      "*.*.customers": { region: "${principal.region}" }',
    '      "*.*.orders":    { tenant_id: { in: "${principal.tenants}" } }',
    '    limit: { rows: 1000 }',
    '',
  ].join('\n');
  const filterArgs = (policy: string, sql: string, ...extra: string[]) => [
    'policy', 'explain', '--policy', policy, '--dialect', 'postgres', '--connection', 'orders',
    '--environment', 'prod', '--database', 'orders', '--user', 'sam', '--groups', 'support', ...extra, '--sql', sql,
  ];

  it('shows the filters and the limit the statement gets, with values from --attr and --attr-list', async () => {
    const policy = tempFile('filters.yaml', FILTER_POLICY);
    const result = await run(...filterArgs(policy, "SELECT name FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.name = 'Ana'", '--attr', 'region=eu', '--attr-list', 'tenants=t1,t2'));
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.out);
    expect(output).toMatchObject({ effect: 'allow', rules: ['support-sees-own-region'], rowLimit: 1000 });
    expect(output.rowFilters).toEqual([
      { table: '*.*.customers', rule: 'support-sees-own-region', where: "region = 'eu'", predicate: { kind: 'eq', column: 'region', value: 'eu' } },
      {
        table: '*.*.orders',
        rule: 'support-sees-own-region',
        where: "tenant_id IN ('t1', 't2')",
        predicate: { kind: 'in', column: 'tenant_id', values: ['t1', 't2'] },
      },
    ]);
    // The statement as the gateway would forward it: every filtered table wrapped, literals redacted.
    expect(output.rewritten).toContain('"region" = ?');
    expect(output.rewritten).toContain('"tenant_id" IN (?, ?)');
    expect(output.rewritten).toMatch(/WHERE c\.name = \?$/);
    expect(result.out).not.toContain('Ana');
  });

  it('denies when the principal lacks an attribute a filter needs, naming rule and attribute', async () => {
    const policy = tempFile('filters.yaml', FILTER_POLICY);
    const result = await run(...filterArgs(policy, 'SELECT * FROM customers', '--attr', 'tenants=t1'));
    expect(result.code).toBe(0);
    const output = JSON.parse(result.out);
    expect(output).toMatchObject({ effect: 'deny', rules: ['support-sees-own-region'], rowFilters: [], rewritten: null });
    expect(output.reason).toContain('has no attribute "region"');
  });

  it('shows no rewrite when the statement touches no filtered table, and the filters still listed', async () => {
    const policy = tempFile('filters.yaml', FILTER_POLICY);
    const result = await run(...filterArgs(policy, 'SELECT id FROM products', '--attr', 'region=eu', '--attr', 'tenants=t1'));
    const output = JSON.parse(result.out);
    expect(output).toMatchObject({ effect: 'allow', rewritten: null });
    expect(output.rowFilters.map((filter: { table: string }) => filter.table)).toEqual(['*.*.customers', '*.*.orders']);
  });

  it('refuses attribute names and values a token could not carry (exit 2)', async () => {
    const policy = tempFile('filters.yaml', FILTER_POLICY);
    const reserved = await run(...filterArgs(policy, 'SELECT 1', '--attr', 'groups=dba'));
    expect(reserved.code).toBe(2);
    expect(reserved.err).toContain('attribute name "groups" is reserved');
    const long = await run(...filterArgs(policy, 'SELECT 1', '--attr', `region=${'x'.repeat(300)}`));
    expect(long.code).toBe(2);
    expect(long.err).toContain('longer than 256 characters');
  });

  it('policy check reports a bad filter at file:line:col', async () => {
    const file = tempFile('bad-filter.yaml', FILTER_POLICY.replace('"${principal.region}"', '"${env:REGION}"'));
    const result = await run('policy', 'check', file);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`${file}:9:34: filters only understand "\${principal.<attribute>}" references`);
  });
});

describe('gatehouse policy explain --dialect mongodb', () => {
  const mongoArgs = (command: string, ...extra: string[]) => [
    'policy', 'explain', '--policy', POLICY, '--dialect', 'mongodb', '--connection', 'orders',
    '--environment', 'prod', '--database', 'shop', ...extra, '--command', command,
  ];

  it('classifies and decides a command exactly as the gateway would, without its values', async () => {
    const result = await run(...mongoArgs('{"find": "users", "filter": {"email": "ana@example.com"}}', '--user', 'ana', '--groups', 'analysts'));
    expect(result.code).toBe(0);
    const output = JSON.parse(result.out);
    expect(output).toMatchObject({ effect: 'allow', rules: ['analysts-read'] });
    expect(output.actions[0]).toMatchObject({ category: 'read', operation: 'find' });
    expect(output.actions[0].objects[0].name).toBe('shop.users');
    expect(result.out).not.toContain('ana@example.com');
  });

  it('sends an unbounded deleteMany to review', async () => {
    const result = await run(...mongoArgs('{"delete": "sessions", "deletes": [{"q": {}, "limit": 0}]}', '--user', 'dora', '--groups', 'dba'));
    expect(JSON.parse(result.out)).toMatchObject({ effect: 'review', rules: ['unbounded-writes-need-review'] });
  });

  it('shows the filtered command the gateway would send, and refuses what it cannot filter', async () => {
    const policy = tempFile(
      'mongo-filters.yaml',
      'version: 1\nrules:\n  - id: support-sees-own-region\n    effect: allow\n    when: { principal: { groups: [support] }, action: { category: [read, write] } }\n    filter:\n      "*.*.customers": { region: "${principal.region}" }\n',
    );
    const args = (command: string) => [
      'policy', 'explain', '--policy', policy, '--dialect', 'mongodb', '--connection', 'orders', '--environment', 'prod',
      '--database', 'shop', '--user', 'sam', '--groups', 'support', '--attr', 'region=zq-eu-7', '--command', command,
    ];
    const find = await run(...args('{"find": "customers", "filter": {"name": "Ana"}}'));
    expect(find.code).toBe(0);
    const output = JSON.parse(find.out);
    expect(output).toMatchObject({ effect: 'allow', rowFilters: [expect.objectContaining({ rule: 'support-sees-own-region' })] });
    expect(output.rewritten).toContain('region');
    expect(output.rewritten).not.toContain('zq-eu-7');
    expect(output.rewritten).not.toContain('Ana');
    // A client collation could make the filter's equality match other values: refused, not forwarded.
    const out = await run(...args('{"find": "customers", "filter": {}, "collation": {"locale": "en", "strength": 2}}'));
    expect(JSON.parse(out.out)).toMatchObject({ effect: 'deny', rules: ['support-sees-own-region'], reason: expect.stringContaining('row filter cannot be applied') });
  });

  it('refuses --sql for mongodb and malformed JSON with exit 2', async () => {
    expect((await run(...mongoArgs('{"find": "users"}', '--user', 'a', '--sql', 'SELECT 1'))).code).toBe(2);
    const bad = await run(...mongoArgs('{"find": ', '--user', 'a'));
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('not valid extended JSON');
  });
});

describe('gatehouse policy test', () => {
  it('passes the demo policy tests', async () => {
    const result = await run('policy', 'test', join(DEMO, 'policy-tests.yaml'), '--policy', POLICY);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/\d+ passed, 0 failed/);
  });

  it('exits 1 and lists each failing case', async () => {
    const cases = tempFile(
      'cases.yaml',
      [
        'cases:',
        '  - name: wrong expectation',
        '    principal: { id: eve, groups: [], kind: human }',
        '    target: { connection: orders, environment: prod, dialect: postgres, database: orders }',
        '    sql: SELECT 1',
        '    expect: { effect: allow }',
      ].join('\n'),
    );
    const result = await run('policy', 'test', cases, '--policy', POLICY);
    expect(result.code).toBe(1);
    expect(result.err).toContain('FAIL wrong expectation');
    expect(result.out).toContain('0 passed, 1 failed');
  });
});

describe('gatehouse (no command)', () => {
  it('prints usage and exits 2', async () => {
    const result = await run();
    expect(result.code).toBe(2);
    expect(result.out).toContain('Usage:');
  });
});
