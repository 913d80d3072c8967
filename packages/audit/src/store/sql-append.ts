import { canonicalJson } from '../canonical-json.js';
import type { CheckpointSigner } from '../chain/checkpoint-signer.js';
import { eventHash } from '../chain/event-hash.js';
import type { AuditEvent, SealedAuditEvent } from '../events/event-types.js';
import { indexColumns, storedTerms } from './derive-index.js';
import { insertCheckpoint } from './sql-checkpoints.js';
import type { SqlQueryable } from './sql-driver.js';
import type { AuditTables } from './schema.js';

export interface CheckpointPolicy {
  readonly signer?: CheckpointSigner;
  /** Sign after this many events (default 1,000). */
  readonly everyEvents: number;
  /** …or when this much time passed since the last checkpoint and new events arrived (default 60 s). */
  readonly everyMs: number;
}

interface HeadRow {
  last_seq: number | string;
  last_hash: string;
  since_checkpoint: number;
  last_checkpoint_at: Date | string;
}

/**
 * Rows go in as ONE json parameter, expanded by json_to_recordset on the server. A
 * multi-row VALUES list with a bind parameter per cell (12 per event) made the
 * server plan thousands of parameters per batch and the client encode each one: with the
 * embedded store (PostgreSQL in WASM on the gateway's own thread) that was most of the cost of
 * an event. Batches of this size stay far below json's 1 GB limit.
 */
const EVENT_ROWS_PER_INSERT = 2_000;

const EVENT_RECORD =
  'seq bigint, at timestamptz, type text, session_id text, principal_id text, connection text, environment text, effect text, body text, prev_hash text, hash text, terms text[]';

/**
 * Appends inside the caller's transaction. Locking the head row FOR UPDATE makes every other
 * appender (another replica on the same PostgreSQL) wait until this commit, so seq and prev hash
 * are read and advanced atomically and the chain stays linear.
 */
export async function appendInTransaction(
  tx: SqlQueryable,
  t: AuditTables,
  events: readonly AuditEvent[],
  checkpoints: CheckpointPolicy,
  now: Date,
  /** false: return [] instead of a parsed copy of every sealed event (see AppendOptions). */
  wantSealed = true,
): Promise<SealedAuditEvent[]> {
  const [head] = await tx.query<HeadRow>(`SELECT last_seq, last_hash, since_checkpoint, last_checkpoint_at FROM ${t.head} WHERE id = 1 FOR UPDATE`);
  if (!head) throw new Error(`audit head row missing in ${t.head}`);
  let seq = Number(head.last_seq);
  let prevHash = head.last_hash;
  const sealed: SealedAuditEvent[] = [];
  const rows: object[] = [];
  for (const event of events) {
    seq++;
    const body = canonicalJson({ ...event, seq });
    const hash = eventHash(prevHash, body);
    const columns = indexColumns(event);
    rows.push({
      seq,
      at: columns.at,
      type: columns.type,
      session_id: columns.sessionId,
      principal_id: columns.principalId,
      connection: columns.connection,
      environment: columns.environment,
      effect: columns.effect,
      body,
      prev_hash: prevHash,
      hash,
      terms: storedTerms(event),
    });
    if (wantSealed) sealed.push({ ...(JSON.parse(body) as AuditEvent), seq, prevHash, hash });
    prevHash = hash;
  }
  for (let i = 0; i < rows.length; i += EVENT_ROWS_PER_INSERT) {
    await insertRecords(tx, t.events, EVENT_RECORD, rows.slice(i, i + EVENT_ROWS_PER_INSERT));
  }

  let since = head.since_checkpoint + events.length;
  let lastCheckpointAt = new Date(head.last_checkpoint_at);
  const due = since >= checkpoints.everyEvents || now.getTime() - lastCheckpointAt.getTime() >= checkpoints.everyMs;
  if (checkpoints.signer && events.length > 0 && due) {
    await insertCheckpoint(tx, t, checkpoints.signer.sign({ seq, hash: prevHash, at: now.toISOString(), reason: 'interval' }));
    since = 0;
    lastCheckpointAt = now;
  }
  await tx.query(`UPDATE ${t.head} SET last_seq = $1, last_hash = $2, since_checkpoint = $3, last_checkpoint_at = $4 WHERE id = 1`, [
    seq,
    prevHash,
    since,
    lastCheckpointAt.toISOString(),
  ]);
  return sealed;
}

/** `rows` are objects keyed by the record's column names; one json parameter carries them all. */
async function insertRecords(tx: SqlQueryable, table: string, record: string, rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(`INSERT INTO ${table} SELECT * FROM json_to_recordset($1::json) AS r(${record})`, [JSON.stringify(rows)]);
}
