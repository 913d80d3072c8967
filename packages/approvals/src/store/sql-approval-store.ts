import type { SqlDriver, SqlQueryable } from '@gatehouse/audit';
import type { ReviewMode } from '@gatehouse/core';
import { checkApprover } from '../approver-rules.js';
import type { ApprovalRequest, ApprovalRequestState, ApprovalVote, ApproverRule, Requester } from '../approval-request.js';
import { ApprovalNotFoundError, ApprovalStateError } from '../errors.js';
import type { ApprovalListFilter, ApprovalStore, VoteInput } from './approval-store.js';
import { approvalTables, ensureApprovalSchema } from './schema.js';
import type { ApprovalTables } from './schema.js';

export interface SqlApprovalStoreOptions {
  /** Default `gatehouse_approvals`. */
  readonly schema?: string;
  /** Close the driver with the store (default true; false when the audit trail shares it). */
  readonly ownsDriver?: boolean;
}

interface RequestRow {
  id: string;
  state: ApprovalRequestState;
  mode: ReviewMode;
  requester: Requester;
  session_id: string | null;
  connection: string;
  environment: string;
  dialect: string;
  fingerprint: string;
  statement: string;
  risk: ApprovalRequest['risk'];
  rule: string;
  approvers: ApproverRule;
  created_at: Date | string;
  expires_at: Date | string;
  decided_at: Date | string | null;
  grant_expires_at: Date | string | null;
  uses_left: number;
}

interface VoteRow {
  request_id: string;
  approver: string;
  verdict: 'approve' | 'deny';
  comment: string | null;
  at: Date | string;
}

/** The one store implementation: PGlite (embedded) or node-postgres (shared) behind SqlDriver. */
export class SqlApprovalStore implements ApprovalStore {
  readonly #driver: SqlDriver;
  readonly #t: ApprovalTables;
  readonly #ownsDriver: boolean;

  private constructor(driver: SqlDriver, tables: ApprovalTables, ownsDriver: boolean) {
    this.#driver = driver;
    this.#t = tables;
    this.#ownsDriver = ownsDriver;
  }

  static async open(driver: SqlDriver, options: SqlApprovalStoreOptions = {}): Promise<SqlApprovalStore> {
    const tables = approvalTables(options.schema ?? 'gatehouse_approvals');
    await ensureApprovalSchema(driver, tables);
    return new SqlApprovalStore(driver, tables, options.ownsDriver ?? true);
  }

  async create(request: ApprovalRequest): Promise<void> {
    await this.#driver.query(
      `INSERT INTO ${this.#t.requests} (id, state, mode, requester_id, requester, session_id, connection, environment, dialect,
         fingerprint, statement, risk, rule, approvers, created_at, expires_at, uses_left)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [
        request.id,
        request.state,
        request.mode,
        request.requester.id,
        JSON.stringify(request.requester),
        request.sessionId ?? null,
        request.connection,
        request.environment,
        request.dialect,
        request.fingerprint,
        request.statement,
        JSON.stringify(request.risk),
        request.rule,
        JSON.stringify(request.approvers),
        request.createdAt,
        request.expiresAt,
        request.usesLeft,
      ],
    );
    await this.#driver.afterCommit();
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    return this.#read(this.#driver, id);
  }

  async list(filter: ApprovalListFilter = {}): Promise<ApprovalRequest[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(`${sql} $${params.length}`);
    };
    if (filter.state) add('state =', filter.state);
    if (filter.requester) add('requester_id =', filter.requester);
    if (filter.connection) add('connection =', filter.connection);
    params.push(Math.min(Math.max(filter.limit ?? 100, 1), 1000));
    const rows = await this.#driver.query<RequestRow>(
      `SELECT * FROM ${this.#t.requests} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT $${params.length}`,
      params,
    );
    return this.#withVotes(this.#driver, rows);
  }

  async findPending(requester: string, connection: string, fingerprint: string): Promise<ApprovalRequest | undefined> {
    const rows = await this.#driver.query<RequestRow>(
      `SELECT * FROM ${this.#t.requests} WHERE requester_id = $1 AND connection = $2 AND fingerprint = $3 AND state = 'pending'
       ORDER BY created_at DESC LIMIT 1`,
      [requester, connection, fingerprint],
    );
    return (await this.#withVotes(this.#driver, rows))[0];
  }

  async vote(id: string, vote: VoteInput): Promise<ApprovalRequest> {
    const result = await this.#driver.transaction(async (tx) => {
      const [row] = await tx.query<RequestRow>(`SELECT * FROM ${this.#t.requests} WHERE id = $1 FOR UPDATE`, [id]);
      if (!row) throw new ApprovalNotFoundError(id);
      const [request] = await this.#withVotes(tx, [row]);
      if (request!.state === 'pending' && request!.expiresAt.getTime() <= vote.at.getTime()) {
        await tx.query(`UPDATE ${this.#t.requests} SET state = 'expired', decided_at = $2 WHERE id = $1`, [id, vote.at]);
        return { expired: true as const };
      }
      if (request!.state !== 'pending') throw new ApprovalStateError(id, request!.state);
      checkApprover(request!, vote.approver);
      await tx.query(`INSERT INTO ${this.#t.votes} (request_id, approver, verdict, comment, at) VALUES ($1, $2, $3, $4, $5)`, [
        id,
        vote.approver.id,
        vote.verdict,
        vote.comment ?? null,
        vote.at,
      ]);
      const approvals = request!.votes.filter((existing) => existing.verdict === 'approve').length + (vote.verdict === 'approve' ? 1 : 0);
      if (vote.verdict === 'deny') {
        await tx.query(`UPDATE ${this.#t.requests} SET state = 'denied', decided_at = $2 WHERE id = $1`, [id, vote.at]);
      } else if (approvals >= request!.approvers.minApprovals) {
        await tx.query(`UPDATE ${this.#t.requests} SET state = 'approved', decided_at = $2, grant_expires_at = $3, uses_left = $4 WHERE id = $1`, [
          id,
          vote.at,
          new Date(vote.at.getTime() + vote.grant.ttlMs),
          vote.grant.uses,
        ]);
      }
      return { expired: false as const, request: (await this.#read(tx, id))! };
    });
    await this.#driver.afterCommit();
    if (result.expired) throw new ApprovalStateError(id, 'expired');
    return result.request;
  }

  async transition(id: string, from: readonly ApprovalRequestState[], to: ApprovalRequestState, at: Date): Promise<ApprovalRequest | undefined> {
    const rows = await this.#driver.query<RequestRow>(
      `UPDATE ${this.#t.requests} SET state = $2, decided_at = COALESCE(decided_at, $3) WHERE id = $1 AND state = ANY($4::text[]) RETURNING *`,
      [id, to, at, [...from]],
    );
    await this.#driver.afterCommit();
    return (await this.#withVotes(this.#driver, rows))[0];
  }

  async useGrant(id: string, at: Date): Promise<ApprovalRequest | undefined> {
    return this.#use(`id = $1`, [id], at);
  }

  async useTicket(requester: string, connection: string, fingerprint: string, at: Date): Promise<ApprovalRequest | undefined> {
    return this.#use(`requester_id = $1 AND connection = $2 AND fingerprint = $3 AND mode = 'ticket'`, [requester, connection, fingerprint], at);
  }

  async expireDue(at: Date): Promise<ApprovalRequest[]> {
    const rows = await this.#driver.query<RequestRow>(
      `UPDATE ${this.#t.requests} SET state = 'expired', decided_at = $1 WHERE state = 'pending' AND expires_at <= $1 RETURNING *`,
      [at],
    );
    if (rows.length > 0) await this.#driver.afterCommit();
    return this.#withVotes(this.#driver, rows);
  }

  async close(): Promise<void> {
    if (this.#ownsDriver) await this.#driver.close();
  }

  /** One conditional UPDATE picks an unexpired approved grant with uses left and takes one use. */
  async #use(match: string, params: unknown[], at: Date): Promise<ApprovalRequest | undefined> {
    const n = params.length + 1;
    const rows = await this.#driver.query<RequestRow>(
      `UPDATE ${this.#t.requests} SET uses_left = uses_left - 1, state = CASE WHEN uses_left <= 1 THEN 'executed' ELSE state END
       WHERE id = (SELECT id FROM ${this.#t.requests} WHERE ${match} AND state = 'approved' AND uses_left > 0
                   AND (grant_expires_at IS NULL OR grant_expires_at > $${n})
                   ORDER BY decided_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [...params, at],
    );
    if (rows.length > 0) await this.#driver.afterCommit();
    return (await this.#withVotes(this.#driver, rows))[0];
  }

  async #read(db: SqlQueryable, id: string): Promise<ApprovalRequest | undefined> {
    const rows = await db.query<RequestRow>(`SELECT * FROM ${this.#t.requests} WHERE id = $1`, [id]);
    return (await this.#withVotes(db, rows))[0];
  }

  async #withVotes(db: SqlQueryable, rows: readonly RequestRow[]): Promise<ApprovalRequest[]> {
    if (rows.length === 0) return [];
    const votes = await db.query<VoteRow>(`SELECT * FROM ${this.#t.votes} WHERE request_id = ANY($1::text[]) ORDER BY at, approver`, [rows.map((row) => row.id)]);
    return rows.map((row) => toRequest(row, votes.filter((vote) => vote.request_id === row.id)));
  }
}

function date(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function toRequest(row: RequestRow, votes: readonly VoteRow[]): ApprovalRequest {
  return {
    id: row.id,
    state: row.state,
    mode: row.mode,
    requester: row.requester,
    ...(row.session_id !== null ? { sessionId: row.session_id } : {}),
    connection: row.connection,
    environment: row.environment,
    dialect: row.dialect,
    fingerprint: row.fingerprint,
    statement: row.statement,
    risk: row.risk,
    rule: row.rule,
    approvers: row.approvers,
    createdAt: date(row.created_at),
    expiresAt: date(row.expires_at),
    ...(row.decided_at !== null ? { decidedAt: date(row.decided_at) } : {}),
    ...(row.grant_expires_at !== null ? { grantExpiresAt: date(row.grant_expires_at) } : {}),
    usesLeft: row.uses_left,
    votes: votes.map(
      (vote): ApprovalVote => ({ approver: vote.approver, verdict: vote.verdict, at: date(vote.at), ...(vote.comment !== null ? { comment: vote.comment } : {}) }),
    ),
  };
}
