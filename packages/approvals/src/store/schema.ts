import type { SqlDriver } from '@gatehouse/audit';
import { ApprovalConfigError } from '../errors.js';

/** Table names, qualified by the configured schema (default `gatehouse_approvals`). */
export interface ApprovalTables {
  readonly schema: string;
  readonly requests: string;
  readonly votes: string;
}

export function approvalTables(schema: string): ApprovalTables {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ApprovalConfigError(`approvals schema name '${schema}' must be a lower-case SQL identifier (letters, digits, _)`);
  }
  return { schema, requests: `${schema}.requests`, votes: `${schema}.votes` };
}

/**
 * One schema for PGlite and PostgreSQL. `requests` holds the state machine; `votes` one row per
 * approver (the primary key makes a second vote impossible even across replicas).
 */
function ddl(t: ApprovalTables): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${t.schema}`,
    `CREATE TABLE IF NOT EXISTS ${t.requests} (
      id text PRIMARY KEY,
      state text NOT NULL,
      mode text NOT NULL,
      requester_id text NOT NULL,
      requester jsonb NOT NULL,
      session_id text,
      connection text NOT NULL,
      environment text NOT NULL,
      dialect text NOT NULL,
      fingerprint text NOT NULL,
      statement text NOT NULL,
      risk jsonb NOT NULL,
      rule text NOT NULL,
      approvers jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      decided_at timestamptz,
      grant_expires_at timestamptz,
      uses_left integer NOT NULL DEFAULT 0
    )`,
    `CREATE INDEX IF NOT EXISTS requests_match ON ${t.requests} (requester_id, connection, fingerprint, state)`,
    `CREATE INDEX IF NOT EXISTS requests_state ON ${t.requests} (state, created_at)`,
    `CREATE TABLE IF NOT EXISTS ${t.votes} (
      request_id text NOT NULL REFERENCES ${t.requests} (id) ON DELETE CASCADE,
      approver text NOT NULL,
      verdict text NOT NULL,
      comment text,
      at timestamptz NOT NULL,
      PRIMARY KEY (request_id, approver)
    )`,
  ];
}

/** Creates what is missing; an advisory lock keeps replicas starting together from racing on DDL. */
export async function ensureApprovalSchema(driver: SqlDriver, tables: ApprovalTables): Promise<void> {
  await driver.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`gatehouse:${tables.schema}`]);
    for (const statement of ddl(tables)) await tx.query(statement);
  });
}
