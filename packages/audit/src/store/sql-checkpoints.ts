import type { Checkpoint, CheckpointReason } from '../chain/checkpoint-signer.js';
import type { SqlQueryable } from './sql-driver.js';
import type { AuditTables } from './schema.js';

interface CheckpointRow {
  seq: number | string;
  hash: string;
  reason: string;
  key_id: string;
  signature: string;
  at_text: string;
}

export async function insertCheckpoint(tx: SqlQueryable, t: AuditTables, checkpoint: Checkpoint): Promise<void> {
  // The signed `at` text is kept verbatim: a timestamptz round trip may not give back the same string.
  await tx.query(
    `INSERT INTO ${t.checkpoints} (seq, hash, at, reason, key_id, signature, at_text) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (seq, reason, key_id) DO UPDATE SET hash = excluded.hash, at = excluded.at, signature = excluded.signature, at_text = excluded.at_text`,
    [checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.reason, checkpoint.keyId, checkpoint.signature, checkpoint.at],
  );
}

export async function readCheckpoints(db: SqlQueryable, t: AuditTables): Promise<Checkpoint[]> {
  const rows = await db.query<CheckpointRow>(`SELECT seq, hash, reason, key_id, signature, at_text FROM ${t.checkpoints} ORDER BY seq, reason`);
  return rows.map((row) => ({
    seq: Number(row.seq),
    hash: row.hash,
    at: row.at_text,
    reason: row.reason as CheckpointReason,
    keyId: row.key_id,
    signature: row.signature,
  }));
}
