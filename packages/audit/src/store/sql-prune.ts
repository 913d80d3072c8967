import type { CheckpointSigner } from '../chain/checkpoint-signer.js';
import { AuditConfigError } from '../errors.js';
import type { PruneReport, RetentionPolicy } from './audit-store.js';
import { insertCheckpoint } from './sql-checkpoints.js';
import type { SqlQueryable } from './sql-driver.js';
import type { AuditTables } from './schema.js';

type SeqRow = { seq: number | string | null };

/**
 * Retention: removes the oldest events past any limit and, in the same transaction, signs an
 * anchor checkpoint for the last removed event, so the first remaining event's prev hash is
 * vouched for and the rest still verifies. Runs under the head lock, so appends wait briefly.
 */
export async function pruneInTransaction(tx: SqlQueryable, t: AuditTables, policy: RetentionPolicy, signer: CheckpointSigner | undefined): Promise<PruneReport> {
  if (!signer) throw new AuditConfigError('pruning needs the checkpoint signing key: without a signed anchor the remaining trail could not be verified');
  const now = policy.now ?? new Date();
  await tx.query(`SELECT last_seq FROM ${t.head} WHERE id = 1 FOR UPDATE`);
  const cutoffs: number[] = [];
  if (policy.maxAgeMs !== undefined) {
    const [row] = await tx.query<SeqRow>(`SELECT max(seq) AS seq FROM ${t.events} WHERE at < $1::timestamptz`, [new Date(now.getTime() - policy.maxAgeMs).toISOString()]);
    if (row?.seq != null) cutoffs.push(Number(row.seq));
  }
  if (policy.maxEvents !== undefined) {
    const [row] = await tx.query<SeqRow>(`SELECT seq FROM ${t.events} ORDER BY seq DESC OFFSET $1 LIMIT 1`, [Math.max(0, Math.floor(policy.maxEvents))]);
    if (row?.seq != null) cutoffs.push(Number(row.seq));
  }
  if (policy.maxBytes !== undefined) {
    const [row] = await tx.query<SeqRow>(
      `SELECT seq FROM (SELECT seq, sum(coalesce(body_bytes, octet_length(body))) OVER (ORDER BY seq DESC) AS tail FROM ${t.events}) sized
       WHERE tail > $1 ORDER BY seq DESC LIMIT 1`,
      [Math.max(0, Math.floor(policy.maxBytes))],
    );
    if (row?.seq != null) cutoffs.push(Number(row.seq));
  }
  if (cutoffs.length === 0) return { pruned: 0 };
  const cutoff = Math.max(...cutoffs);
  const [last] = await tx.query<{ hash: string }>(`SELECT hash FROM ${t.events} WHERE seq = $1`, [cutoff]);
  if (!last) return { pruned: 0 };
  const deleted = await tx.query<{ n: number | string }>(`WITH gone AS (DELETE FROM ${t.events} WHERE seq <= $1 RETURNING 1) SELECT count(*) AS n FROM gone`, [cutoff]);
  await tx.query(`DELETE FROM ${t.checkpoints} WHERE seq < $1`, [cutoff]);
  const anchor = signer.sign({ seq: cutoff, hash: last.hash, at: now.toISOString(), reason: 'prune' });
  await insertCheckpoint(tx, t, anchor);
  return { pruned: Number(deleted[0]?.n ?? 0), anchor };
}
