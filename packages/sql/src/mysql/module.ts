import type { DialectModule } from '../dialect-module.js';
import { classifyMysql } from './classify.js';
import { MYSQL_RESERVED } from './keywords.js';
import { lexMysql } from './lexer.js';
import { scanMysqlLiteralShape } from './literal-shape.js';
import { MysqlParser } from './parser.js';
import { splitMysql } from './split.js';

/**
 * MySQL and MariaDB: our lexer is the authority (quoting, comments, executable comments,
 * statement boundaries); node-sql-parser supplies objects, columns and lineage for queries and
 * DML, cross-checked against the lexer; other statements are classified from their keywords.
 */
export async function createMysqlModule(): Promise<DialectModule> {
  const parser = new MysqlParser();
  return {
    dialect: 'mysql',
    keywords: MYSQL_RESERVED,
    // Table and database names are case-sensitive on most servers: keep them as written.
    foldIdentifier: (word) => word,
    lex: lexMysql,
    split: splitMysql,
    scanLiteralShape: scanMysqlLiteralShape,
    classify: (text, lexed, ranges, context) => classifyMysql(text, lexed, ranges, context, parser),
  };
}
