import { canonicalJson } from '../canonical-json.js';
import type { CheckpointSigner } from '../chain/checkpoint-signer.js';
import { eventHash } from '../chain/event-hash.js';
import type { AuditEvent, SealedAuditEvent } from '../events/event-types.js';
import { AuditLogCorruptError } from '../errors.js';
import { indexColumns, storedTerms } from './derive-index.js';
import type { LogRecord } from './log/log-format.js';
import { insertCheckpoint } from './sql-checkpoints.js';
import { copyText, copyTextArray } from './sql-copy-text.js';
import { copies } from './sql-driver.js';
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

/** The events table's columns in the order indexLine() writes them (no body: the log keeps it). */
const INDEX_COLUMNS = ['seq', 'at', 'type', 'session_id', 'principal_id', 'connection', 'environment', 'effect', 'body_bytes', 'prev_hash', 'hash', 'terms'] as const;

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
  const head = await lockHead(tx, t);
  let seq = Number(head.last_seq);
  let prevHash = head.last_hash;
  const sealed: SealedAuditEvent[] = [];
  const rows: EventRow[] = [];
  for (const event of events) {
    seq++;
    const body = canonicalJson({ ...event, seq });
    const hash = eventHash(prevHash, body);
    rows.push(eventRow(event, { seq, body, prevHash, hash }));
    if (wantSealed) sealed.push({ ...(JSON.parse(body) as AuditEvent), seq, prevHash, hash });
    prevHash = hash;
  }
  await storeRows(tx, t, head, rows, checkpoints, now);
  return sealed;
}

/**
 * Stores events sealed elsewhere (the embedded store's segment log) into the index tables, in the
 * caller's transaction: they must continue the stored chain exactly. Records already stored (a
 * retry after a commit whose answer was lost) are skipped. The rows carry no body: the log keeps
 * it (and hands it back by seq), which takes about a quarter of PGlite's work per event away.
 */
export async function insertSealedInTransaction(tx: SqlQueryable, t: AuditTables, records: readonly LogRecord[], checkpoints: CheckpointPolicy, now: Date): Promise<void> {
  const head = await lockHead(tx, t);
  const stored = Number(head.last_seq);
  const fresh = records.filter((record) => record.seq > stored);
  const first = fresh[0];
  if (!first) return;
  if (first.seq !== stored + 1 || first.prevHash !== head.last_hash) {
    throw new AuditLogCorruptError(`the audit index ends at seq ${stored} but the log continues at ${first.seq} with another chain: the index was altered`);
  }
  if (!copies(tx)) throw new TypeError('indexing sealed records needs a driver that can COPY (the embedded PGlite driver)');
  // One COPY: a quarter cheaper per event than json_to_recordset in PGlite.
  let lines = '';
  for (const record of fresh) lines += indexLine(record);
  await tx.copyFrom(t.events, INDEX_COLUMNS, lines);
  await advanceHead(tx, t, head, fresh, checkpoints, now);
}

/** A sealed record as an events row in COPY text format (columns in INDEX_COLUMNS order). */
function indexLine(record: LogRecord): string {
  const event = JSON.parse(record.body) as AuditEvent;
  const columns = indexColumns(event);
  return (
    `${record.seq}\t${copyText(columns.at)}\t${copyText(columns.type)}\t${copyText(columns.sessionId)}\t${copyText(columns.principalId)}\t` +
    `${copyText(columns.connection)}\t${copyText(columns.environment)}\t${copyText(columns.effect)}\t${Buffer.byteLength(record.body, 'utf8')}\t` +
    `${record.prevHash}\t${record.hash}\t${copyTextArray(storedTerms(event))}\n`
  );
}

async function lockHead(tx: SqlQueryable, t: AuditTables): Promise<HeadRow> {
  const [head] = await tx.query<HeadRow>(`SELECT last_seq, last_hash, since_checkpoint, last_checkpoint_at FROM ${t.head} WHERE id = 1 FOR UPDATE`);
  if (!head) throw new Error(`audit head row missing in ${t.head}`);
  return head;
}

/** An events-table row keyed by column name (the json_to_recordset record below). */
interface EventRow {
  readonly seq: number;
  readonly hash: string;
  readonly [column: string]: unknown;
}

function eventRow(event: AuditEvent, record: LogRecord): EventRow {
  const columns = indexColumns(event);
  return {
    seq: record.seq,
    at: columns.at,
    type: columns.type,
    session_id: columns.sessionId,
    principal_id: columns.principalId,
    connection: columns.connection,
    environment: columns.environment,
    effect: columns.effect,
    body: record.body,
    prev_hash: record.prevHash,
    hash: record.hash,
    terms: storedTerms(event),
  };
}

/**
 * Inserts the rows, signs interval checkpoints (one per `everyEvents` events, at the exact event
 * that completes the interval however events are batched, and one at the end once `everyMs`
 * passed), and advances the head.
 */
async function storeRows(tx: SqlQueryable, t: AuditTables, head: HeadRow, rows: readonly EventRow[], checkpoints: CheckpointPolicy, now: Date): Promise<void> {
  for (let i = 0; i < rows.length; i += EVENT_ROWS_PER_INSERT) {
    await insertRecords(tx, t.events, EVENT_RECORD, rows.slice(i, i + EVENT_ROWS_PER_INSERT));
  }
  await advanceHead(tx, t, head, rows, checkpoints, now);
}

/** After the rows are in: the interval checkpoints they complete, then the new head. */
async function advanceHead(
  tx: SqlQueryable,
  t: AuditTables,
  head: HeadRow,
  rows: readonly { readonly seq: number; readonly hash: string }[],
  checkpoints: CheckpointPolicy,
  now: Date,
): Promise<void> {
  let since = head.since_checkpoint;
  let lastCheckpointAt = new Date(head.last_checkpoint_at);
  const signer = checkpoints.signer;
  const sign = async (row: { readonly seq: number; readonly hash: string }): Promise<void> => {
    await insertCheckpoint(tx, t, signer!.sign({ seq: row.seq, hash: row.hash, at: now.toISOString(), reason: 'interval' }));
    since = 0;
    lastCheckpointAt = now;
  };
  for (const row of rows) {
    since++;
    if (signer && since >= checkpoints.everyEvents) await sign(row);
  }
  const last = rows.at(-1);
  if (signer && last && since > 0 && now.getTime() - lastCheckpointAt.getTime() >= checkpoints.everyMs) await sign(last);
  await tx.query(`UPDATE ${t.head} SET last_seq = $1, last_hash = $2, since_checkpoint = $3, last_checkpoint_at = $4 WHERE id = 1`, [
    last?.seq ?? Number(head.last_seq),
    last?.hash ?? head.last_hash,
    since,
    lastCheckpointAt.toISOString(),
  ]);
}

/** `rows` are objects keyed by the record's column names; one json parameter carries them all. */
async function insertRecords(tx: SqlQueryable, table: string, record: string, rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(`INSERT INTO ${table} SELECT * FROM json_to_recordset($1::json) AS r(${record})`, [JSON.stringify(rows)]);
}
