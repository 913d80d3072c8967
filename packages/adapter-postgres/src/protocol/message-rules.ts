import { BackendCode, FrontendCode } from './codes.js';

/**
 * Length bounds per message code, checked from the 5-byte header before the body is buffered. A code
 * without an entry is unknown for that direction. `max` is only set for fixed-size messages; everything
 * else is capped by the reader's `maxMessageBytes`. Minimums are the smallest well-formed body (e.g. an
 * empty C string is one NUL byte), so obviously truncated messages fail at the header.
 */
export interface LengthRule {
  readonly min: number;
  readonly max?: number;
}

/**
 * The rules of one direction as flat tables indexed by message code (checked for every message):
 * `min[code]` is -1 for an unknown code, `max[code]` is UNBOUNDED unless the message has a fixed size.
 */
export interface LengthRules {
  readonly min: Int32Array;
  readonly max: Int32Array;
}

export const UNBOUNDED = 0x7fffffff;

function table(entries: ReadonlyArray<readonly [number, LengthRule]>): LengthRules {
  const min = new Int32Array(256).fill(-1);
  const max = new Int32Array(256).fill(UNBOUNDED);
  for (const [code, rule] of entries) {
    min[code] = rule.min;
    if (rule.max !== undefined) max[code] = rule.max;
  }
  return { min, max };
}

const exactly = (length: number): LengthRule => ({ min: length, max: length });

export const FRONTEND_LENGTH_RULES: LengthRules = table([
  [FrontendCode.Query, { min: 5 }], // cstring
  [FrontendCode.Parse, { min: 8 }], // cstring, cstring, int16
  [FrontendCode.Bind, { min: 12 }], // cstring, cstring, int16, int16, int16
  [FrontendCode.Describe, { min: 6 }], // byte, cstring
  [FrontendCode.Execute, { min: 9 }], // cstring, int32
  [FrontendCode.Sync, exactly(4)],
  [FrontendCode.Flush, exactly(4)],
  [FrontendCode.Close, { min: 6 }],
  [FrontendCode.CopyData, { min: 4 }],
  [FrontendCode.CopyDone, exactly(4)],
  [FrontendCode.CopyFail, { min: 5 }],
  [FrontendCode.FunctionCall, { min: 14 }], // int32, int16, int16, int16
  [FrontendCode.Terminate, exactly(4)],
  [FrontendCode.AuthResponse, { min: 4 }], // a SASLResponse may be empty
]);

/** Largest BackendKeyData: pid + a 256-byte cancel key (protocol 3.2). */
const MAX_BACKEND_KEY_DATA = 4 + 4 + 256;

export const BACKEND_LENGTH_RULES: LengthRules = table([
  [BackendCode.Authentication, { min: 8 }],
  [BackendCode.BackendKeyData, { min: 12, max: MAX_BACKEND_KEY_DATA }],
  [BackendCode.ParameterStatus, { min: 6 }],
  [BackendCode.ReadyForQuery, exactly(5)],
  [BackendCode.RowDescription, { min: 6 }],
  [BackendCode.DataRow, { min: 6 }],
  [BackendCode.CommandComplete, { min: 5 }],
  [BackendCode.ErrorResponse, { min: 5 }],
  [BackendCode.NoticeResponse, { min: 5 }],
  [BackendCode.NotificationResponse, { min: 10 }],
  [BackendCode.ParseComplete, exactly(4)],
  [BackendCode.BindComplete, exactly(4)],
  [BackendCode.CloseComplete, exactly(4)],
  [BackendCode.NoData, exactly(4)],
  [BackendCode.PortalSuspended, exactly(4)],
  [BackendCode.ParameterDescription, { min: 6 }],
  [BackendCode.EmptyQueryResponse, exactly(4)],
  [BackendCode.CopyInResponse, { min: 7 }],
  [BackendCode.CopyOutResponse, { min: 7 }],
  [BackendCode.CopyBothResponse, { min: 7 }],
  [BackendCode.CopyData, { min: 4 }],
  [BackendCode.CopyDone, exactly(4)],
  [BackendCode.FunctionCallResponse, { min: 8 }],
  [BackendCode.NegotiateProtocolVersion, { min: 12 }],
]);
