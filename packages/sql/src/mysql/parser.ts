import mariadbBuild from 'node-sql-parser/build/mariadb.js';
import mysqlBuild from 'node-sql-parser/build/mysql.js';

/** Thrown when neither grammar accepts a statement; callers classify it unknown + parse-error. */
export class MysqlParseError extends Error {
  override readonly name = 'MysqlParseError';
}

/**
 * node-sql-parser with the MySQL grammar, falling back to the MariaDB grammar (RETURNING, …).
 * The per-dialect builds load in a fraction of the full bundle's time.
 */
export class MysqlParser {
  private readonly mysql = new mysqlBuild.Parser();
  private readonly mariadb = new mariadbBuild.Parser();

  /** Exactly one statement AST for `sql`, or a MysqlParseError. */
  parseOne(sql: string): unknown {
    let ast: unknown;
    try {
      ast = this.mysql.astify(sql, { database: 'MySQL' });
    } catch {
      try {
        ast = this.mariadb.astify(sql, { database: 'MariaDB' });
      } catch (error) {
        throw new MysqlParseError(error instanceof Error ? error.name : 'parse failed');
      }
    }
    if (Array.isArray(ast)) {
      if (ast.length !== 1) throw new MysqlParseError(`parser saw ${ast.length} statements`);
      return ast[0];
    }
    return ast;
  }
}
