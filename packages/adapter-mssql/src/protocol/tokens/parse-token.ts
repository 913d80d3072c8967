import { ProtocolError, ProtocolErrorCode } from '../../errors.js';
import { isNotEnoughData, NOT_ENOUGH_DATA, TdsReader } from '../reader.js';
import type { NotEnoughData } from '../reader.js';
import { DEFAULT_MAX_VALUE_BYTES } from '../value-layout.js';
import { readColMetadata } from './colmetadata.js';
import { readDone } from './done.js';
import { readEnvChange } from './envchange.js';
import { readMessageToken } from './error-info.js';
import { readLoginAck } from './loginack.js';
import { readFeatureExtAck, readFedAuthInfo, readOrder, readReturnStatus, readReturnValue, readUlongOpaque, readUshortOpaque } from './misc.js';
import { readNbcRow, readRow } from './row.js';
import { TokenType } from './token-types.js';
import type { TokenContext, TokenResult } from './token-types.js';

export function newTokenContext(maxValueBytes = DEFAULT_MAX_VALUE_BYTES): TokenContext {
  return { columns: undefined, maxValueBytes, needed: 0 };
}

/**
 * Parses one token at `buf[offset]`: a pure function of the bytes and the context's current columns.
 * Returns `{token, next}`, or NOT_ENOUGH_DATA (with `ctx.needed` set) when the token continues past
 * `buf.length`. Throws ProtocolError for bytes that can never become a valid token. A COLMETADATA
 * token updates `ctx.columns` so the rows after it can be framed.
 */
export function parseToken(buf: Buffer, offset: number, ctx: TokenContext): TokenResult | NotEnoughData {
  const r = new TdsReader(buf, offset);
  try {
    const type = r.uint8('token type');
    const token = readBody(r, offset, type, ctx);
    if (token.kind === 'colmetadata' && !token.noMetadata) ctx.columns = token.columns;
    return { token, next: r.pos };
  } catch (error) {
    if (isNotEnoughData(error)) {
      ctx.needed = r.shortAt;
      return NOT_ENOUGH_DATA;
    }
    throw error;
  }
}

function readBody(r: TdsReader, start: number, type: number, ctx: TokenContext) {
  switch (type) {
    case TokenType.ColMetadata:
      return readColMetadata(r, start);
    case TokenType.Row:
      return readRow(r, start, ctx);
    case TokenType.NbcRow:
      return readNbcRow(r, start, ctx);
    case TokenType.Done:
    case TokenType.DoneProc:
    case TokenType.DoneInProc:
      return readDone(r, start, type);
    case TokenType.Error:
      return readMessageToken(r, start, 'error');
    case TokenType.Info:
      return readMessageToken(r, start, 'info');
    case TokenType.EnvChange:
      return readEnvChange(r, start);
    case TokenType.LoginAck:
      return readLoginAck(r, start);
    case TokenType.Order:
      return readOrder(r, start);
    case TokenType.ReturnStatus:
      return readReturnStatus(r, start);
    case TokenType.ReturnValue:
      return readReturnValue(r, start, ctx);
    case TokenType.FeatureExtAck:
      return readFeatureExtAck(r, start);
    case TokenType.FedAuthInfo:
      return readFedAuthInfo(r, start);
    case TokenType.Sspi:
    case TokenType.TabName:
    case TokenType.ColInfo:
    case TokenType.Offset:
      return type === TokenType.Offset ? readFixedOpaque(r, start, type, 4) : readUshortOpaque(r, start, type);
    case TokenType.SessionState:
      return readUlongOpaque(r, start, type, 16 * 1024 * 1024);
    default:
      throw new ProtocolError(
        ProtocolErrorCode.UnknownToken,
        `token 0x${type.toString(16).padStart(2, '0')} is unknown or unsupported (ALTMETADATA/ALTROW and DATACLASSIFICATION are refused)`,
      );
  }
}

function readFixedOpaque(r: TdsReader, start: number, type: number, n: number) {
  const data = r.bytes(n, 'token body');
  return { kind: 'opaque' as const, type, data, raw: r.buf.subarray(start, r.pos) };
}
