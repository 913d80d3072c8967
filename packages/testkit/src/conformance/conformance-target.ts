import type { PrincipalKind } from '@gatehouse/core';

/**
 * What an adapter provides to run the conformance suite. Everything dialect-specific lives here
 * (drivers, statements, error codes); the suite itself only speaks in these terms.
 */
export interface ConformanceTarget {
  /** Shown in the suite's describe block, e.g. 'postgres'. */
  readonly name: string;
  /** Statements in the dialect's own language (SQL text, or a JSON command for MongoDB). */
  readonly statements: ConformanceStatements;
  /** What the dialect's own server would answer in each situation. */
  readonly nativeErrors: ConformanceNativeErrors;
  /**
   * Starts a real server and a gateway in front of it with `fixture.policyYaml`, seeds `people`
   * with `fixture.people` and `big` with `fixture.bigRows` rows, and returns the running deployment.
   */
  setup(fixture: ConformanceFixture): Promise<ConformanceDeployment>;
}

/** What `setup` must create. Row ids are 1-based; big row i has email `user<i>@example.com`. */
export interface ConformanceFixture {
  readonly policyYaml: string;
  readonly people: readonly ConformancePerson[];
  readonly bigRows: number;
}

export interface ConformancePerson {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly ssn: string;
}

/** A server and gateway started by `setup`; everything the suite does goes through the gateway. */
export interface ConformanceDeployment {
  /** Connects through the gateway as `identity`, presenting the token `identity.token` describes. */
  connect(identity: ConformanceIdentity): Promise<ConformanceClient>;
  /**
   * Opens a raw connection to the gateway's listener, writes bytes no client of the dialect would
   * send, and resolves once the gateway has closed that connection (the suite bounds the wait).
   */
  sendGarbage(): Promise<void>;
  teardown(): Promise<void>;
}

export interface ConformanceIdentity {
  readonly user: string;
  readonly groups: readonly string[];
  readonly kind: PrincipalKind;
  /**
   * Which credential to present (default 'valid'): a token the gateway issued for `user`; not a
   * token at all; a correctly signed but expired one; or a valid one issued to somebody else.
   */
  readonly token?: 'valid' | 'bad' | 'expired' | 'other-user';
}

/** One client session through the gateway, as the dialect's usual driver sees it. */
export interface ConformanceClient {
  /** Runs one statement; rejects with a `ConformanceError`. Column names are the result's own. */
  query(statement: string): Promise<{ rows: Record<string, unknown>[] }>;
  /** Runs a statement and counts its rows without keeping them (the result may not fit in memory). */
  streamCount(statement: string): Promise<number>;
  /** Starts `statement`, cancels it the dialect's way after `afterMs`; resolves with the error it ended with. */
  cancelDuring(statement: string, afterMs: number): Promise<ConformanceError>;
  close(): Promise<void>;
}

/** A server (or gateway) error as the suite compares it: the native code and the message. */
export interface ConformanceError {
  /** SQLSTATE for postgres ('42501'); the error number for mysql (1142), mssql (229), mongodb (13). */
  readonly nativeCode: string | number;
  readonly message: string;
}

export interface ConformanceStatements {
  /** Returns every column of `people` ordered by id. */
  readonly selectPeople: string;
  /** Drops `people` (the suite expects a refusal, so nothing is dropped). */
  readonly dropPeople: string;
  /** Deletes from `people` with no filter (the suite expects an approval-required refusal). */
  readonly unboundedDelete: string;
  /** Returns every row of `big`. */
  readonly selectBig: string;
  /** Runs for several seconds (≥ 5 s) unless cancelled, e.g. `SELECT pg_sleep(10)`. */
  readonly slow: string;
}

export interface ConformanceNativeErrors {
  /** A statement refused by policy: postgres '42501', mysql 1142, mssql 229, mongodb 13. */
  readonly denied: string | number;
  /** A statement waiting for approval; most dialects reuse the refusal code. */
  readonly reviewRequired: string | number;
  /** A login refused (bad, expired or someone else's token): postgres '28P01', mysql 1045, mssql 18456, mongodb 18. */
  readonly authFailed: string | number;
  /**
   * A statement cancelled: postgres '57014', mysql 1317, mongodb 11601. SQL Server answers an
   * attention without an error number, so an mssql target reports what its driver raises.
   */
  readonly cancelled: string | number;
}

/** Type guard for errors the suite checks against `ConformanceNativeErrors`. */
export function isConformanceError(value: unknown): value is ConformanceError {
  if (typeof value !== 'object' || value === null) return false;
  const { nativeCode, message } = value as Partial<ConformanceError>;
  return (typeof nativeCode === 'string' || typeof nativeCode === 'number') && typeof message === 'string';
}
