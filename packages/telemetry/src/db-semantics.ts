import type { Action, Dialect, Target } from '@gatehouse/core';
import type { StatementOutcome } from '@gatehouse/proxy';
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_BATCH_SIZE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
  DB_SYSTEM_NAME_VALUE_MARIADB,
  DB_SYSTEM_NAME_VALUE_MICROSOFT_SQL_SERVER,
  DB_SYSTEM_NAME_VALUE_MYSQL,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import { DB_SYSTEM_NAME_VALUE_MONGODB } from '@opentelemetry/semantic-conventions/incubating';
import {
  ATTR_GATEHOUSE_DECISION_EFFECT,
  ATTR_GATEHOUSE_POLICY_OBSERVED,
  ATTR_GATEHOUSE_POLICY_RULES,
  ATTR_GATEHOUSE_RISK_FACTORS,
  ATTR_GATEHOUSE_RISK_SCORE,
  ATTR_GATEHOUSE_STATEMENT_CATEGORY,
  ATTR_GATEHOUSE_STATEMENT_FINGERPRINT,
  ATTR_GATEHOUSE_STATEMENT_FLAGS,
} from './attribute-names.js';

/*
 * The OpenTelemetry database client conventions (semconv ≥ 1.33) applied to an Action: everything
 * here comes from the classifier's literal-free view of a statement (operation keyword, object
 * names, redacted text, fingerprint) and from the decision. No raw statement text ever arrives
 * here, so no literal can leave through a span or a metric label.
 */

/**
 * `db.system.name` of a dialect. MySQL and MariaDB share one wire protocol and one adapter; the
 * server's flavour is not known here, so `mysql` stands for both (the adapter may refine it).
 */
export function dbSystemName(dialect: Dialect): string {
  switch (dialect) {
    case 'postgres':
      return DB_SYSTEM_NAME_VALUE_POSTGRESQL;
    case 'mysql':
      return DB_SYSTEM_NAME_VALUE_MYSQL;
    case 'mssql':
      return DB_SYSTEM_NAME_VALUE_MICROSOFT_SQL_SERVER;
    case 'mongodb':
      return DB_SYSTEM_NAME_VALUE_MONGODB;
  }
}

/** For a caller that knows it speaks to MariaDB (semconv has its own value). */
export const MARIADB_SYSTEM_NAME = DB_SYSTEM_NAME_VALUE_MARIADB;

const COLLECTION_KINDS = new Set(['table', 'view', 'collection']);

/**
 * The collection (table, view, MongoDB collection) an action works on, as its dotted name without
 * the database part (that is `db.namespace`); unknown leading parts (`?`) are dropped.
 */
function collectionsOf(action: Action): string[] {
  const names: string[] = [];
  for (const object of action.objects) {
    if (!COLLECTION_KINDS.has(object.kind)) continue;
    const parts = object.name.split('.');
    // postgres/mssql: database.schema.table; mysql: database.table; mongodb: database.collection.
    const local = action.dialect === 'postgres' || action.dialect === 'mssql' ? parts.slice(-2) : parts.slice(-1);
    const name = local.filter((part) => part !== '?').join('.');
    if (name !== '' && !names.includes(name)) names.push(name);
  }
  return names;
}

/** `SELECT public.orders public.customers`: operation then collections, the semconv query summary shape. */
function summaryOf(action: Action): string {
  const collections = collectionsOf(action);
  return collections.length > 0 ? `${action.operation} ${collections.join(' ')}` : action.operation;
}

/** What a statement span and the duration metric say about the statement itself. */
export interface StatementSemantics {
  /** The span name: `db.query.summary` (semconv's first choice), else the system name. */
  readonly spanName: string;
  readonly attributes: Attributes;
  /** The low-cardinality subset for metric points. */
  readonly metricAttributes: Attributes;
  /** True when every action reads: `rows` are then returned rows, otherwise affected rows. */
  readonly readOnly: boolean;
}

/**
 * Span and metric attributes of a decided statement. Several actions (a multi-statement text) give
 * a batch: `BATCH SELECT` when all share one operation, `BATCH` otherwise (semconv's rule).
 * `decision: false` leaves the decision's attributes out (they differ between executions of one
 * statement shape, which the telemetry hooks cache; see statement-shapes.ts).
 */
export function statementSemantics(outcome: StatementOutcome, target: Target, options: { readonly decision?: boolean } = {}): StatementSemantics {
  const { actions } = outcome;
  const system = dbSystemName(target.dialect);
  const attributes: Attributes = { [ATTR_DB_SYSTEM_NAME]: system };
  const metricAttributes: Attributes = { [ATTR_DB_SYSTEM_NAME]: system };
  if (target.database !== undefined) {
    attributes[ATTR_DB_NAMESPACE] = target.database;
    metricAttributes[ATTR_DB_NAMESPACE] = target.database;
  }

  const operations = [...new Set(actions.map((action) => action.operation))];
  let operation: string | undefined;
  if (actions.length === 1) operation = operations[0];
  else if (actions.length > 1) {
    operation = operations.length === 1 ? `BATCH ${operations[0]!}` : 'BATCH';
    attributes[ATTR_DB_OPERATION_BATCH_SIZE] = actions.length;
  }
  if (operation !== undefined) {
    attributes[ATTR_DB_OPERATION_NAME] = operation;
    metricAttributes[ATTR_DB_OPERATION_NAME] = operation;
  }
  const collections = [...new Set(actions.flatMap(collectionsOf))];
  if (collections.length === 1) {
    attributes[ATTR_DB_COLLECTION_NAME] = collections[0]!;
    metricAttributes[ATTR_DB_COLLECTION_NAME] = collections[0]!;
  }
  const summary = actions.map(summaryOf).join('; ');
  if (summary !== '') attributes[ATTR_DB_QUERY_SUMMARY] = summary;
  // The redacted text only: every literal already replaced by the classifier.
  const text = actions.map((action) => action.redactedText).join('; ');
  if (text !== '') attributes[ATTR_DB_QUERY_TEXT] = text;

  attributes[ATTR_GATEHOUSE_STATEMENT_CATEGORY] = [...new Set(actions.map((action) => action.category))];
  const flags = [...new Set(actions.flatMap((action) => action.flags))];
  if (flags.length > 0) attributes[ATTR_GATEHOUSE_STATEMENT_FLAGS] = flags;
  const fingerprints = actions.map((action) => action.fingerprint);
  if (fingerprints.length > 0) attributes[ATTR_GATEHOUSE_STATEMENT_FINGERPRINT] = fingerprints;
  if (options.decision !== false) Object.assign(attributes, decisionAttributes(outcome));

  return {
    spanName: summary !== '' ? summary : system,
    attributes,
    metricAttributes,
    readOnly: actions.length > 0 && actions.every((action) => action.category === 'read'),
  };
}

/** The decision as attributes (the statement span and the `gatehouse.policy.decision` event). */
export function decisionAttributes({ decision }: StatementOutcome): Attributes {
  const attributes: Attributes = {
    [ATTR_GATEHOUSE_DECISION_EFFECT]: decision.effect,
    [ATTR_GATEHOUSE_POLICY_RULES]: [...decision.rules],
    [ATTR_GATEHOUSE_RISK_SCORE]: decision.risk.score,
  };
  if (decision.risk.factors.length > 0) attributes[ATTR_GATEHOUSE_RISK_FACTORS] = decision.risk.factors.map((factor) => factor.name);
  if (decision.observed.length > 0) attributes[ATTR_GATEHOUSE_POLICY_OBSERVED] = decision.observed.map((rule) => `${rule.rule}:${rule.effect}`);
  return attributes;
}

/** The decision's rule ids as one bounded metric label (policies have a fixed set of rules). */
export function rulesLabel(rules: readonly string[]): string {
  if (rules.length === 0) return '(default)';
  // One rule (the common case) needs no copy, sort or join: this runs for every statement.
  return rules.length === 1 ? rules[0]! : [...rules].sort().join(',');
}
