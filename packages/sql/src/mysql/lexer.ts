import type { LexResult, Token } from '../lexer/token.js';

/** PLACEHOLDER until the mysql lexer lands: words and semicolons only. */
export function lexMysql(text: string): LexResult {
  const tokens: Token[] = [];
  const re = /\s+|(;)|([^\s;]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[1]) tokens.push({ kind: 'punct', start: m.index, end: m.index + 1 });
    else if (m[2]) tokens.push({ kind: 'word', start: m.index, end: m.index + m[2].length });
  }
  return { tokens, problems: [] };
}
