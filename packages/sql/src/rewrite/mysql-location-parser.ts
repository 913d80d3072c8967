import mariadbBuild from 'node-sql-parser/build/mariadb.js';
import mysqlBuild from 'node-sql-parser/build/mysql.js';
import { RewriteRefusal } from './types.js';

const WITH_LOCATIONS = { parseOptions: { includeLocations: true } } as const;

/**
 * node-sql-parser (MySQL grammar, then MariaDB's) with source locations on table references: the
 * classifier's parser omits them, and the rewriter needs them to edit the text in place.
 */
export class MysqlLocationParser {
  private readonly mysql = new mysqlBuild.Parser();
  private readonly mariadb = new mariadbBuild.Parser();

  /** Exactly one statement AST, or a RewriteRefusal. */
  parseOne(sql: string): unknown {
    let ast: unknown;
    try {
      ast = this.mysql.astify(sql, { database: 'MySQL', ...WITH_LOCATIONS });
    } catch {
      try {
        ast = this.mariadb.astify(sql, { database: 'MariaDB', ...WITH_LOCATIONS });
      } catch {
        throw new RewriteRefusal('a statement that names a filtered table did not parse, so it cannot be rewritten with certainty');
      }
    }
    if (Array.isArray(ast)) {
      if (ast.length !== 1) throw new RewriteRefusal('the parser and the lexer disagree about statement boundaries');
      return ast[0];
    }
    return ast;
  }
}
