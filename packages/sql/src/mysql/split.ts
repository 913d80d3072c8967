import type { StatementRange } from '../lexer/statement-ranges.js';
import { rangeOf } from '../lexer/statement-ranges.js';
import type { LexResult, Token } from '../lexer/token.js';

/** Stored programs whose BEGIN … END body is sent to the server as one statement. */
const STORED_PROGRAMS = new Set(['PROCEDURE', 'FUNCTION', 'TRIGGER', 'EVENT', 'PACKAGE']);
/** `END IF`, `END LOOP`, …: these close blocks that do not open with BEGIN or CASE. */
const END_WITHOUT_DEPTH = new Set(['IF', 'LOOP', 'WHILE', 'REPEAT', 'FOR']);
/** How many leading words may precede the stored-program keyword (CREATE OR REPLACE DEFINER = x …). */
const HEADER_WORDS = 8;

/**
 * Splits on top-level `;` like the shared splitter, except inside the body of a stored program
 * (CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT … BEGIN … END) or a MariaDB `BEGIN NOT ATOMIC … END`
 * block, which the server receives and runs as one statement.
 */
export function splitMysql(lexed: LexResult, text: string): StatementRange[] {
  const tokens = lexed.tokens;
  const ranges: StatementRange[] = [];
  let first = -1;
  let last = -1;
  let words: string[] = [];
  let compound = false;
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === 'comment') continue;
    if (token.kind === 'punct' && text.charCodeAt(token.start) === 59 /* ; */ && depth === 0) {
      if (first >= 0) ranges.push(rangeOf(tokens, first, last + 1));
      first = -1;
      words = [];
      compound = false;
      continue;
    }
    if (first < 0) first = i;
    last = i;
    if (token.kind !== 'word') continue;
    const word = text.slice(token.start, token.end).toUpperCase();
    if (words.length < HEADER_WORDS) {
      words.push(word);
      if (!compound) {
        compound = isCompoundHeader(words);
        if (compound && words[0] === 'BEGIN') depth = 1; // the BEGIN already passed
      }
    }
    if (!compound) continue;
    if (word === 'CASE' || (word === 'BEGIN' && opensBlock(tokens, i, text))) depth++;
    else if (word === 'END' && depth > 0 && !END_WITHOUT_DEPTH.has(nextWord(tokens, i, text))) depth--;
  }
  if (first >= 0) ranges.push(rangeOf(tokens, first, last + 1));
  return ranges;
}

/**
 * `BEGIN NOT …`, or CREATE/ALTER followed only by header words (OR REPLACE, DEFINER = user, …)
 * and then a stored-program keyword: `CREATE TABLE event (…)` must not qualify.
 */
function isCompoundHeader(words: readonly string[]): boolean {
  if (words[0] === 'BEGIN') return words[1] === 'NOT';
  if (words[0] !== 'CREATE' && words[0] !== 'ALTER') return false;
  const last = words.length - 1;
  if (!STORED_PROGRAMS.has(words[last]!)) return false;
  for (let i = 1; i < last; i++) {
    if (HEADER.has(words[i]!)) continue;
    if (words[i - 1] === 'DEFINER') continue; // an unquoted user name
    return false;
  }
  return true;
}

const HEADER = new Set(['OR', 'REPLACE', 'DEFINER', 'CURRENT_USER', 'AGGREGATE', 'EDITIONABLE', 'NONEDITIONABLE']);

/** Statement keywords that can follow a block's BEGIN (END is left out: `THEN begin END` is a column). */
const BLOCK_FOLLOWERS = new Set(
  `SELECT INSERT UPDATE DELETE REPLACE SET DECLARE IF CASE WHILE LOOP REPEAT LEAVE ITERATE RETURN CALL BEGIN
  OPEN FETCH CLOSE START COMMIT ROLLBACK SIGNAL RESIGNAL CREATE DROP ALTER TRUNCATE PREPARE EXECUTE DEALLOCATE
  DO WITH LOCK UNLOCK GET FOR NOT SHOW FLUSH KILL SAVEPOINT RELEASE LOAD HANDLER RENAME GRANT REVOKE`.split(/\s+/),
);
/** Words after which `begin` is a name (INSERT INTO begin SELECT …), not a block. */
const NAME_CONTEXT = new Set(['INTO', 'FROM', 'JOIN', 'TABLE', 'UPDATE', 'AS', 'CALL', 'REPLACE']);

/**
 * BEGIN is non-reserved: it opens a block only when followed by a statement keyword or a label,
 * and not preceded by a position that wants a name. A miscount only moves a split; the classifier
 * also classifies the `;`-separated pieces of a stored-program statement, so nothing hides.
 */
function opensBlock(tokens: readonly Token[], at: number, text: string): boolean {
  const previous = neighbour(tokens, at, -1);
  if (previous) {
    if (previous.kind === 'operator' || previous.kind === 'quoted-ident') return false;
    if (previous.kind === 'punct' && text[previous.start] !== ';' && text[previous.start] !== ')') return false;
    if (previous.kind === 'word' && NAME_CONTEXT.has(text.slice(previous.start, previous.end).toUpperCase())) return false;
  }
  const next = neighbour(tokens, at, 1);
  if (!next || next.kind !== 'word') return false;
  const after = neighbour(tokens, tokens.indexOf(next), 1);
  const isLabel = after?.kind === 'operator' && text[after.start] === ':';
  return isLabel || BLOCK_FOLLOWERS.has(text.slice(next.start, next.end).toUpperCase());
}

function neighbour(tokens: readonly Token[], from: number, step: 1 | -1): Token | undefined {
  for (let i = from + step; i >= 0 && i < tokens.length; i += step) {
    if (tokens[i]!.kind !== 'comment') return tokens[i];
  }
  return undefined;
}

function nextWord(tokens: readonly Token[], from: number, text: string): string {
  for (let i = from + 1; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === 'comment') continue;
    return token.kind === 'word' ? text.slice(token.start, token.end).toUpperCase() : '';
  }
  return '';
}
