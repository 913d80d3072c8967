import { describe, expect, it } from 'vitest';
import { ProtocolError, ProtocolErrorCode } from '../../errors.js';
import { backendFrame, rawTypedFrame, startupFrame } from '../../testing/support.js';
import { BackendCode, FrontendCode } from '../codes.js';
import { decodeBackendMessage, decodeFrontendMessage } from '../decode.js';
import type { Frame } from '../frame.js';
import { decodeQuery } from './query.js';
import { encodeStartupMessage } from './startup.js';

function expectCode(fn: () => unknown, code: string): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(code);
    return (error as ProtocolError).message;
  }
  throw new Error('expected a ProtocolError');
}

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const front = (code: number, payload: Buffer): Frame => rawTypedFrame(code, payload);

describe('malformed inner structure', () => {
  it('missing NUL terminators', () => {
    expect(expectCode(() => decodeFrontendMessage(front(FrontendCode.Query, Buffer.from('SELECT 1'))), ProtocolErrorCode.Malformed)).toMatch(/Query: query text has no NUL terminator/);
    expectCode(() => decodeFrontendMessage(front(FrontendCode.Parse, Buffer.from('s\0SELECT'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeBackendMessage(rawTypedFrame(BackendCode.CommandComplete, Buffer.from('SELECT 1'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeBackendMessage(rawTypedFrame(BackendCode.ErrorResponse, Buffer.from('SERROR\0Mno end'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeBackendMessage(rawTypedFrame(BackendCode.ErrorResponse, Buffer.from('SERROR\0'))), ProtocolErrorCode.Malformed); // no final 0
    expectCode(() => decodeBackendMessage(rawTypedFrame(BackendCode.Authentication, hex('0000000a 5343524100'))), ProtocolErrorCode.Malformed); // list not terminated
  });

  it('truncated and trailing fields', () => {
    expectCode(() => decodeFrontendMessage(front(FrontendCode.Bind, hex('00 00 0001 0000'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeFrontendMessage(front(FrontendCode.Bind, hex('00 00 0000 0001 00000005 6162 0000'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeFrontendMessage(front(FrontendCode.Bind, hex('00 00 0000 0001 fffffffe 0000'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeFrontendMessage(front(FrontendCode.Bind, hex('00 00 0002 0000 0000 0001 ffffffff 0000'))), ProtocolErrorCode.Malformed); // 2 formats, 1 param
    expectCode(() => decodeFrontendMessage(front(FrontendCode.Execute, hex('00 000000'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeFrontendMessage(front(FrontendCode.Sync, hex('00'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeFrontendMessage(front(FrontendCode.Query, Buffer.from('SELECT 1\0x'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeFrontendMessage(front(FrontendCode.Describe, Buffer.from('Xname\0'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeBackendMessage(rawTypedFrame(BackendCode.ReadyForQuery, Buffer.from('Q'))), ProtocolErrorCode.Malformed);
    // The same frame as the reader cuts it (read in place): an unknown status is still refused.
    expectCode(() => decodeBackendMessage(backendFrame(rawTypedFrame(BackendCode.ReadyForQuery, Buffer.from('Q')).raw)), ProtocolErrorCode.Malformed);
    expectCode(() => decodeBackendMessage(rawTypedFrame(BackendCode.Authentication, hex('00000063'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeBackendMessage(rawTypedFrame(BackendCode.Authentication, hex('00000005 0102'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeBackendMessage(rawTypedFrame(BackendCode.RowDescription, hex('0001 6100 00000000'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeBackendMessage(rawTypedFrame(BackendCode.BackendKeyData, hex('00000001 0102'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeBackendMessage(rawTypedFrame(BackendCode.NegotiateProtocolVersion, hex('00000000 7fffffff'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeBackendMessage(rawTypedFrame(BackendCode.CopyOutResponse, hex('02 0000'))), ProtocolErrorCode.Malformed);
    expectCode(() => decodeBackendMessage(rawTypedFrame(BackendCode.FunctionCallResponse, hex('00000004 01'))), ProtocolErrorCode.Malformed);
  });

  it('invalid UTF-8 in client text is refused, server text is decoded leniently', () => {
    expectCode(() => decodeQuery(front(FrontendCode.Query, hex('53 ff 00'))), ProtocolErrorCode.InvalidUtf8);
    // Surrogates, overlong forms and truncated sequences, in the middle of otherwise plain text.
    for (const bad of ['53 ed a0 80 00', '53 c0 af 54 00', '53 e2 82 00', '53 f4 90 80 80 00']) {
      expectCode(() => decodeQuery(front(FrontendCode.Query, hex(bad))), ProtocolErrorCode.InvalidUtf8);
    }
    // A real U+FFFD in client text is valid UTF-8 and stays as it is.
    expect(decodeQuery(front(FrontendCode.Query, hex('53 ef bf bd 00'))).text).toBe('S\ufffd');
    const tag = decodeBackendMessage(rawTypedFrame(BackendCode.CommandComplete, hex('53 ff 00')));
    expect(tag.type === 'commandComplete' && tag.tag).toBe('S\ufffd');
  });

  it('startup packets: duplicates, unterminated lists, short cancel keys', () => {
    const dup = Buffer.concat([hex('00000000 00030000'), Buffer.from('user\0a\0user\0b\0\0')]);
    dup.writeInt32BE(dup.length, 0);
    expect(expectCode(() => decodeFrontendMessage(startupFrame(dup)), ProtocolErrorCode.Malformed)).toMatch(/"user" appears more than once/);
    const open = Buffer.concat([hex('00000000 00030000'), Buffer.from('user\0a\0')]);
    open.writeInt32BE(open.length, 0);
    expectCode(() => decodeFrontendMessage(startupFrame(open)), ProtocolErrorCode.Malformed);
    expect(() => encodeStartupMessage({ user: 'a\0b' })).toThrow(ProtocolError);
  });

  it('a decoder handed the wrong frame says so', () => {
    expect(expectCode(() => decodeQuery(rawTypedFrame(FrontendCode.Parse, Buffer.from('\0\0\0\0'))), ProtocolErrorCode.WrongFrame)).toMatch(/expected a Query frame/);
  });
});
