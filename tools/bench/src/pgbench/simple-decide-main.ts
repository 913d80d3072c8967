/**
 * Diagnosis only: the gateway's per-statement decision work for pgbench -S in simple mode (a new
 * `aid` literal every time), in process: CPU µs per statement of SqlStatementDecider.decide with
 * the demo policy, as a session runs it. A/B of the classifier's fingerprint-hit path without the
 * noise of sockets and pgbench.
 * Run: node --conditions=@gatehouse/source --import tsx tools/bench/src/pgbench/simple-decide-main.ts [statements] [rounds]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Principal, Target } from '@gatehouse/core';
import { loadPolicy } from '@gatehouse/policy';
import { SqlStatementDecider } from '@gatehouse/proxy';
import { createSqlClassifier } from '@gatehouse/sql';

const statements = Number(process.argv[2] ?? 400_000);
const rounds = Number(process.argv[3] ?? 5);
const policyFile = fileURLToPath(new URL('../../../../apps/gateway/demo/policy.yaml', import.meta.url));
const policy = loadPolicy(readFileSync(policyFile, 'utf8'), policyFile);
const classifier = await createSqlClassifier();
const decider = new SqlStatementDecider(classifier, { current: () => policy });
const principal: Principal = { id: 'orders-service', groups: ['app'], kind: 'service', via: 'bench' };
const target: Target = { connection: 'orders', environment: 'prod', dialect: 'postgres', database: 'bench' };
const identity = { principal, target, clientAddress: '127.0.0.1' };

// pgbench -S's statement, with aids from a scale-10 table (1 … 1,000,000).
const texts = Array.from({ length: 4096 }, (_, i) => Buffer.from(`SELECT abalance FROM pgbench_accounts WHERE aid = ${1 + ((i * 7919) % 1_000_000)};`));
let sink = 0;
for (let r = 0; r < rounds; r++) {
  const start = process.cpuUsage();
  for (let i = 0; i < statements; i++) {
    // A fresh string per statement, as the Query decoder makes one per message.
    const bytes = texts[i & 4095]!;
    sink ^= decider.decide(identity, bytes.toString('utf8', 0, bytes.length)).actions.length;
  }
  const used = process.cpuUsage(start);
  console.log(`round ${r + 1}: ${((used.user + used.system) / statements).toFixed(3)} µs CPU per statement`);
}
if (sink === -1) console.log(sink);
console.log(JSON.stringify(classifier.stats));
