import transactSql from 'node-sql-parser/build/transactsql.js';

/** Thrown inside the module when the parser's tree has a shape we do not follow; never escapes classify(). */
export class UnsupportedTreeError extends Error {
  constructor(what: string) {
    super(`node-sql-parser produced a T-SQL tree the classifier does not follow: ${what}`);
    this.name = 'UnsupportedTreeError';
  }
}

const OPTIONS = { database: 'TransactSQL' };
const parser = new transactSql.Parser();

/**
 * Parses one statement's text with node-sql-parser's TransactSQL grammar (the T-SQL-only build,
 * ~1/8 the size of the full bundle). Returns undefined when the parser rejects the text.
 */
export function parseTransactSql(sql: string): unknown {
  try {
    return parser.astify(sql, OPTIONS);
  } catch {
    return undefined;
  }
}
