export { createSqlClassifier, DEFAULT_MAX_STATEMENT_BYTES } from './classifier.js';
export type { SqlClassifier, SqlClassifierOptions } from './classifier.js';
export type { ClassifyContext, StatementClassification, DialectModule } from './dialect-module.js';
export { redactLiterals } from './redact-literals.js';
export type { Token, TokenKind, LexResult, LexProblem } from './lexer/token.js';
