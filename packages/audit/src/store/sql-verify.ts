import { ChainVerifier } from '../chain/chain-verifier.js';
import type { VerifyProblem } from '../chain/chain-verifier.js';
import { checkCheckpoint } from '../chain/checkpoint-signer.js';
import type { CheckpointKeyring } from '../chain/checkpoint-signer.js';
import type { AuditEvent } from '../events/event-types.js';
import type { VerifyReport } from './audit-store.js';
import { indexColumns, storedTerms } from './derive-index.js';
import { readCheckpoints } from './sql-checkpoints.js';
import type { SqlQueryable } from './sql-driver.js';
import type { AuditTables } from './schema.js';

interface EventRow {
  seq: number | string;
  at: Date | string;
  type: string;
  session_id: string | null;
  principal_id: string | null;
  connection: string | null;
  environment: string | null;
  effect: string | null;
  /** NULL: the embedded store's log did not have it (pruned or removed behind its back). */
  body: string | null;
  prev_hash: string;
  hash: string;
  terms: readonly string[] | null;
}

const PAGE = 2_000;
const MAX_PROBLEMS = 100;

/**
 * Walks every event in seq order, page by page (memory stays flat on a large trail), checking
 * hashes, links, seq continuity, the search index and every checkpoint signature.
 */
export async function verifyTrail(db: SqlQueryable, t: AuditTables, keyring: CheckpointKeyring): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const signed = new Map<number, string>();
  let anchor: { seq: number; hash: string } | undefined;
  const checkpoints = await readCheckpoints(db, t);
  for (const checkpoint of checkpoints) {
    const verdict = checkCheckpoint(checkpoint, keyring);
    if (verdict !== 'ok') {
      const why = verdict === 'unknown-key' ? `is signed by key ${checkpoint.keyId}, which is not configured` : 'has an invalid signature (forged or altered)';
      problems.push({ seq: checkpoint.seq, kind: 'checkpoint-invalid', detail: `the ${checkpoint.reason} checkpoint at seq ${checkpoint.seq} ${why}` });
      continue;
    }
    if (checkpoint.reason === 'prune' && (!anchor || checkpoint.seq > anchor.seq)) anchor = { seq: checkpoint.seq, hash: checkpoint.hash };
    signed.set(checkpoint.seq, checkpoint.hash);
  }
  // Checkpoints before the anchor vouch for events retention removed on purpose.
  for (const seq of signed.keys()) if (anchor && seq <= anchor.seq) signed.delete(seq);

  const verifier = new ChainVerifier(anchor, signed);
  let after = anchor?.seq ?? 0;
  for (;;) {
    const rows = await db.query<EventRow>(
      `SELECT seq, at, type, session_id, principal_id, connection, environment, effect, body, prev_hash, hash, terms FROM ${t.events} WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
      [after],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.seq);
      // A body the log lost is a gap in the chain: the next event that has one reports it as removed.
      if (row.body === null) continue;
      verifier.feed({ seq, body: row.body, prevHash: row.prev_hash, hash: row.hash, indexMatches: indexMatches({ ...row, body: row.body }) });
    }
    after = Number(rows.at(-1)!.seq);
  }
  const [head] = await db.query<{ last_seq: number | string }>(`SELECT last_seq FROM ${t.head} WHERE id = 1`);
  problems.push(...verifier.finish(Number(head?.last_seq ?? 0)));
  problems.sort((a, b) => a.seq - b.seq);
  const shown = problems.slice(0, MAX_PROBLEMS);
  return {
    ok: problems.length === 0,
    events: verifier.events,
    ...(verifier.firstSeq !== undefined ? { firstSeq: verifier.firstSeq } : {}),
    ...(verifier.lastSeq !== undefined ? { lastSeq: verifier.lastSeq } : {}),
    ...(anchor ? { anchorSeq: anchor.seq } : {}),
    checkpoints: { total: checkpoints.length, valid: checkpoints.length - problems.filter((p) => p.kind === 'checkpoint-invalid').length },
    problems: shown,
    ...(shown[0] ? { first: shown[0] } : {}),
  };
}

function indexMatches(row: EventRow & { body: string }): boolean {
  let event: AuditEvent;
  try {
    event = JSON.parse(row.body) as AuditEvent;
  } catch {
    return false; // the hash check reports it
  }
  let expected: ReturnType<typeof indexColumns>;
  let terms: string[];
  try {
    expected = indexColumns(event);
    terms = storedTerms(event);
  } catch {
    return false;
  }
  const stored = row.terms ?? [];
  const sameTerms = terms.length === stored.length && [...stored].sort().join('\n') === [...terms].sort().join('\n');
  return (
    sameTerms &&
    new Date(row.at).getTime() === new Date(expected.at).getTime() &&
    row.type === expected.type &&
    row.session_id === expected.sessionId &&
    row.principal_id === expected.principalId &&
    row.connection === expected.connection &&
    row.environment === expected.environment &&
    row.effect === expected.effect
  );
}
