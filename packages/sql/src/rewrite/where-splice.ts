import type { Token } from '../lexer/token.js';
import { significant, significantBefore, tokenText } from './table-reference-span.js';
import type { TextEdit } from './types.js';
import { RewriteRefusal } from './types.js';

/**
 * Edits that make an UPDATE/DELETE touch only rows matching `condition`: `WHERE <condition> AND
 * (<original>)`, or `WHERE <condition>` when there was none. The filter comes first: MySQL/MariaDB
 * evaluate AND left to right, so with the client's condition first a row outside the filter would
 * still reach it (`EXP(IF(name = 'x', 1000, 0)) > 0` fails the statement exactly when such a row
 * exists: an error oracle on rows the principal may not read). The statement's own WHERE is the first
 * `WHERE` at the target's parenthesis depth after the target (every nested query is parenthesised);
 * it ends at the first of `stopWords` at that depth, a closing parenthesis, `;` or the end.
 * `expectWhere` is what the parser saw, so lexer and parser must agree.
 */
export function whereSplice(
  text: string,
  tokens: readonly Token[],
  from: number,
  endToken: number,
  stopWords: ReadonlySet<string>,
  expectWhere: boolean,
  condition: string,
): TextEdit[] {
  let depth = 0;
  let where = -1;
  let stop = endToken;
  for (let t = from; t < endToken; t++) {
    const token = tokens[t]!;
    if (token.kind === 'punct') {
      const c = tokenText(text, token);
      if (c === '(') depth++;
      else if (c === ')' && --depth < 0) {
        stop = t;
        break;
      } else if (c === ';' && depth === 0) {
        stop = t;
        break;
      }
    } else if (token.kind === 'word' && depth === 0) {
      const word = tokenText(text, token).toUpperCase();
      if (word === 'WHERE' && where < 0) where = t;
      else if (stopWords.has(word)) {
        // RETURNING, ORDER BY, LIMIT always follow the WHERE clause.
        stop = t;
        break;
      }
    }
  }
  if ((where >= 0) !== expectWhere) throw new RewriteRefusal('the parser and the lexer disagree about a WHERE clause');
  const lastBefore = significantBefore(tokens, stop - 1);
  if (lastBefore < from) throw new RewriteRefusal('could not locate the end of a WHERE clause');
  const at = tokens[lastBefore]!.end;
  if (where < 0) return [{ start: at, end: at, text: ` WHERE ${condition}` }];
  const conditionStart = tokens[significant(tokens, where + 1)]!.start;
  return [
    { start: conditionStart, end: conditionStart, text: `${condition} AND (` },
    { start: at, end: at, text: ')' },
  ];
}
