import { BackendCode, FrontendCode } from '../codes.js';
import { openFrame } from '../cursor.js';
import type { Frame } from '../frame.js';
import { MessageWriter } from '../writer.js';
import { constantMessage, expectEmpty } from './common.js';

/** Simple-protocol Query ('Q'): one string that may hold several statements. */
export interface QueryMessage {
  readonly type: 'query';
  readonly text: string;
}

export interface CommandCompleteMessage {
  readonly type: 'commandComplete';
  /** e.g. 'SELECT 3', 'INSERT 0 1', 'UPDATE 7'. */
  readonly tag: string;
}

export interface EmptyQueryResponseMessage {
  readonly type: 'emptyQueryResponse';
}

export function decodeQuery(frame: Frame): QueryMessage {
  const cursor = openFrame(frame, 'typed', FrontendCode.Query, 'Query', true);
  const text = cursor.cstring('query text');
  cursor.end();
  return { type: 'query', text };
}

export function encodeQuery(text: string): Buffer {
  return new MessageWriter().cstring(text).frame(FrontendCode.Query);
}

export function decodeCommandComplete(frame: Frame): CommandCompleteMessage {
  const cursor = openFrame(frame, 'typed', BackendCode.CommandComplete, 'CommandComplete', false);
  const tag = cursor.cstring('command tag');
  cursor.end();
  return { type: 'commandComplete', tag };
}

export function encodeCommandComplete(tag: string): Buffer {
  return new MessageWriter().cstring(tag).frame(BackendCode.CommandComplete);
}

export function decodeEmptyQueryResponse(frame: Frame): EmptyQueryResponseMessage {
  expectEmpty(frame, BackendCode.EmptyQueryResponse, 'EmptyQueryResponse');
  return { type: 'emptyQueryResponse' };
}

const EMPTY_QUERY_RESPONSE = constantMessage(BackendCode.EmptyQueryResponse);

/** EmptyQueryResponse (shared buffer: read-only). */
export function encodeEmptyQueryResponse(): Buffer {
  return EMPTY_QUERY_RESPONSE;
}
