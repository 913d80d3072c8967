import { describe, expect, it } from 'vitest';
import { NOT_ENOUGH_DATA } from '../reader.js';
import { encodeDone } from './done.js';
import { fixedTokenAt, fixedTokenLength } from './fixed-tokens.js';
import { encodeReturnStatus } from './misc.js';
import { newTokenContext, parseToken } from './parse-token.js';
import { DoneStatus, TokenType } from './token-types.js';
import type { DoneToken, Token } from './token-types.js';

const FIXED = [
  encodeDone({ status: DoneStatus.Count | DoneStatus.More, curCmd: 0xc1, rowCount: 2n ** 40n + 7n }, TokenType.DoneInProc),
  encodeDone({ status: DoneStatus.Error }, TokenType.DoneProc),
  encodeDone({ status: DoneStatus.Attention | DoneStatus.Final }, TokenType.Done),
  encodeReturnStatus(-3),
  encodeReturnStatus(0),
];

describe('fixedTokenAt', () => {
  it('reads DONE, DONEPROC, DONEINPROC and RETURNSTATUS exactly as parseToken does, at any offset', () => {
    for (const token of FIXED) {
      const buf = Buffer.concat([Buffer.from([0xaa, 0xbb]), token, Buffer.from([0xcc])]);
      const parsed = parseToken(buf, 2, newTokenContext());
      if (parsed === NOT_ENOUGH_DATA) throw new Error('a whole fixed token was not parsed');
      const fixed = fixedTokenAt(buf, 2)!;
      // Field by field: the fixed token reads its row count and raw bytes on demand (getters).
      const fields = (token: Token) => ({ ...token, raw: token.raw, ...(token.kind === 'returnstatus' ? {} : { rowCount: (token as DoneToken).rowCount }) });
      expect(fields(fixed)).toEqual(fields(parsed.token));
      expect(fixedTokenLength(fixed)).toBe(token.length);
    }
  });

  it('leaves a token cut short, and every other token, to parseToken', () => {
    for (const token of FIXED) {
      for (let cut = 1; cut < token.length; cut++) expect(fixedTokenAt(token.subarray(0, cut), 0)).toBeUndefined();
    }
    expect(fixedTokenAt(Buffer.from([TokenType.ColMetadata, 0xff, 0xff]), 0)).toBeUndefined();
    expect(fixedTokenAt(Buffer.from([TokenType.Error, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 0)).toBeUndefined();
  });
});
