import { ProtocolError, ProtocolErrorCode } from '../../errors.js';
import { encodeAllHeaders, readAllHeaders } from './all-headers.js';
import type { AllHeaders } from './all-headers.js';

export interface SqlBatch {
  readonly headers: AllHeaders;
  readonly text: string;
}

/** Decodes a SQLBatch payload: ALL_HEADERS (TDS 7.2+), then UCS-2 text. */
export function decodeSqlBatch(payload: Buffer): SqlBatch {
  const headers = readAllHeaders(payload, 'SQLBatch');
  const textBytes = payload.length - headers.length;
  if (textBytes % 2 !== 0) throw new ProtocolError(ProtocolErrorCode.Malformed, `SQLBatch text has an odd byte count (${textBytes}); UCS-2 needs pairs`);
  return { headers, text: payload.toString('utf16le', headers.length) };
}

export function encodeSqlBatch(text: string, headers?: Parameters<typeof encodeAllHeaders>[0]): Buffer {
  return Buffer.concat([encodeAllHeaders(headers), Buffer.from(text, 'utf16le')]);
}
