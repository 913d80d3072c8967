import type { AuditSearchFilter } from './audit-store.js';
import { storedTerm } from './derive-index.js';
import type { TermKind } from './derive-index.js';
import type { AuditTables } from './schema.js';

export const DEFAULT_SEARCH_LIMIT = 100;
export const MAX_SEARCH_LIMIT = 10_000;

export interface SearchQuery {
  readonly text: string;
  readonly params: readonly unknown[];
  readonly limit: number;
}

/** `*` → any run, `?` → one character; LIKE's own metacharacters are escaped. */
export function globToLike(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
}

/** One parameterised SELECT for a filter; only values travel as parameters, never into the text. */
export function buildSearch(t: AuditTables, filter: AuditSearchFilter): SearchQuery {
  const params: unknown[] = [];
  const p = (value: unknown): string => `$${params.push(value)}`;
  const where: string[] = [];
  const like = (column: string, glob: string | undefined): void => {
    if (glob !== undefined) where.push(`${column} LIKE ${p(globToLike(glob))} ESCAPE '\\'`);
  };
  const term = (kind: TermKind, value: string | undefined, glob: boolean): void => {
    if (value === undefined) return;
    if (!glob || !/[*?]/.test(value)) {
      // Containment is what the GIN index on terms answers.
      where.push(`e.terms @> ARRAY[${p(storedTerm(kind, value))}]::text[]`);
      return;
    }
    // LIKE itself cannot use the GIN index; the other filters (and seq order) narrow the scan.
    where.push(`EXISTS (SELECT 1 FROM unnest(e.terms) AS t(term) WHERE t.term LIKE ${p(`${kind}:${globToLike(value)}`)} ESCAPE '\\')`);
  };

  like('e.principal_id', filter.user);
  like('e.connection', filter.connection);
  like('e.environment', filter.environment);
  if (filter.sessionId !== undefined) where.push(`e.session_id = ${p(filter.sessionId)}`);
  if (filter.effect !== undefined) where.push(`e.effect = ${p(filter.effect)}`);
  if (filter.type !== undefined) {
    const types = typeof filter.type === 'string' ? [filter.type] : filter.type;
    where.push(types.length === 0 ? 'false' : `e.type IN (${types.map((type) => p(type)).join(', ')})`);
  }
  term('group', filter.group, true);
  term('object', filter.object, true);
  term('operation', filter.operation?.toUpperCase(), true);
  term('category', filter.category, false);
  term('rule', filter.rule, true);
  term('digest', filter.digest, false);
  term('statement', filter.statementId, false);
  term('approval', filter.approvalId, false);
  if (filter.rewritten === true) term('flag', 'rewritten', false);
  if (filter.rewritten === false) where.push(`e.type = 'statement' AND NOT e.terms @> ARRAY[${p(storedTerm('flag', 'rewritten'))}]::text[]`);
  if (filter.from !== undefined) where.push(`e.at >= ${p(toIso(filter.from))}::timestamptz`);
  if (filter.to !== undefined) where.push(`e.at < ${p(toIso(filter.to))}::timestamptz`);
  const order = filter.order === 'asc' ? 'ASC' : 'DESC';
  if (filter.cursor !== undefined) where.push(`e.seq ${order === 'ASC' ? '>' : '<'} ${p(filter.cursor)}`);
  const limit = Math.max(1, Math.min(MAX_SEARCH_LIMIT, Math.floor(filter.limit ?? DEFAULT_SEARCH_LIMIT)));
  const text =
    `SELECT e.seq, e.body, e.prev_hash, e.hash FROM ${t.events} e` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY e.seq ${order} LIMIT ${limit + 1}`;
  return { text, params, limit };
}

function toIso(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
