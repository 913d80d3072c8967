import type { StatementRange } from '../lexer/statement-ranges.js';
import { rangeOf } from '../lexer/statement-ranges.js';
import type { LexResult } from '../lexer/token.js';
import { scanStatements } from './scanner.js';
import { tokenView } from './token-view.js';

/**
 * T-SQL statement ranges: split on `;` and wherever a new statement starts without one
 * (`SELECT * FROM t DROP TABLE t` is two statements). IF/WHILE/BEGIN…END/TRY…CATCH stay one range
 * with the statements they hold; CREATE PROCEDURE/FUNCTION/TRIGGER/VIEW runs to the end of the text.
 */
export function splitMssql(lexed: LexResult, text: string): StatementRange[] {
  const view = tokenView(lexed, text);
  return scanStatements(view, 0, view.sig.length).map((node) =>
    rangeOf(lexed.tokens, view.sig[node.from]!, view.sig[node.to - 1]! + 1),
  );
}
