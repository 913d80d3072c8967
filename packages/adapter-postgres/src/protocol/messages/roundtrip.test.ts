import { describe, expect, it } from 'vitest';
import { AuthenticationType, StartupRequestCode } from '../codes.js';
import { decodeBackendMessage, decodeFrontendMessage } from '../decode.js';
import { BackendReader } from '../backend-reader.js';
import { MessageWriter } from '../writer.js';
import { backendFrame, frontendFrame, startupFrame } from '../../testing/support.js';
import { FIELDS } from '../../testing/streams.js';
import * as auth from './authentication.js';
import * as copy from './copy.js';
import * as errors from './error-notice.js';
import * as extended from './extended.js';
import * as fn from './function-call.js';
import * as query from './query.js';
import * as rows from './rows.js';
import * as session from './session.js';
import * as startup from './startup.js';

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('frontend messages: encode → frame → decode', () => {
  it('StartupMessage (3.0 and 3.2) with params in order', () => {
    const message = decodeFrontendMessage(startupFrame(startup.encodeStartupMessage({ user: 'ålice', database: 'db', options: '' })));
    expect(message).toEqual({ type: 'startup', protocolVersion: 196608, params: new Map([['user', 'ålice'], ['database', 'db'], ['options', '']]) });
    const v32 = startup.decodeStartupMessage(startupFrame(startup.encodeStartupMessage(new Map([['user', 'u']]), StartupRequestCode.ProtocolVersion3_2)));
    expect(v32.protocolVersion).toBe(196610);
  });

  it('SSLRequest, GSSENCRequest, CancelRequest (4- and 32-byte keys)', () => {
    expect(decodeFrontendMessage(startupFrame(startup.encodeSSLRequest()))).toEqual({ type: 'sslRequest' });
    expect(decodeFrontendMessage(startupFrame(startup.encodeGSSENCRequest()))).toEqual({ type: 'gssencRequest' });
    for (const key of [Buffer.from([9, 8, 7, 6]), Buffer.alloc(32, 5)]) {
      const cancel = startup.decodeCancelRequest(startupFrame(startup.encodeCancelRequest(-5, key)));
      expect(cancel.processId).toBe(-5);
      expect(cancel.secretKey.equals(key)).toBe(true);
    }
  });

  it('Query, Parse, Bind, Describe, Close, Execute, Sync, Flush, Terminate', () => {
    expect(decodeFrontendMessage(frontendFrame(query.encodeQuery('SELECT 1; SELECT ☃')))).toEqual({ type: 'query', text: 'SELECT 1; SELECT ☃' });
    expect(decodeFrontendMessage(frontendFrame(extended.encodeParse('s', 'SELECT $1', [23, 4294967295])))).toEqual({
      type: 'parse', name: 's', query: 'SELECT $1', paramTypeOids: [23, 4294967295],
    });
    const bind = extended.decodeBind(frontendFrame(extended.encodeBind({ portal: 'p', statement: 's', paramFormats: [0, 1], params: [b('x'), null], resultFormats: [1] })));
    expect(bind).toMatchObject({ portal: 'p', statement: 's', paramFormats: [0, 1], resultFormats: [1] });
    expect(bind.params.map((p) => p?.toString() ?? null)).toEqual(['x', null]);
    expect(extended.decodeBind(frontendFrame(extended.encodeBind({})))).toEqual({
      type: 'bind', portal: '', statement: '', paramFormats: [], params: [], resultFormats: [],
    });
    expect(decodeFrontendMessage(frontendFrame(extended.encodeDescribe('S', 'stmt')))).toEqual({ type: 'describe', kind: 'S', name: 'stmt' });
    expect(decodeFrontendMessage(frontendFrame(extended.encodeClose('P', '')))).toEqual({ type: 'close', kind: 'P', name: '' });
    expect(decodeFrontendMessage(frontendFrame(extended.encodeExecute('p', 10)))).toEqual({ type: 'execute', portal: 'p', maxRows: 10 });
    expect(decodeFrontendMessage(frontendFrame(extended.encodeSync()))).toEqual({ type: 'sync' });
    expect(decodeFrontendMessage(frontendFrame(extended.encodeFlush()))).toEqual({ type: 'flush' });
    expect(decodeFrontendMessage(frontendFrame(session.encodeTerminate()))).toEqual({ type: 'terminate' });
  });

  it('Bind with 40,000 parameters (counts are unsigned 16-bit, as the server reads them)', () => {
    const params = Array.from({ length: 40_000 }, (_, i) => (i % 2 === 0 ? null : b(String(i))));
    const decoded = extended.decodeBind(frontendFrame(extended.encodeBind({ params })));
    expect(decoded.params).toHaveLength(40_000);
    expect(decoded.params[39_999]!.toString()).toBe('39999');
  });

  it('CopyData, CopyDone, CopyFail, FunctionCall', () => {
    const data = decodeFrontendMessage(frontendFrame(copy.encodeCopyData(b('1\t2\n'))));
    expect(data.type === 'copyData' && data.data.toString()).toBe('1\t2\n');
    expect(decodeFrontendMessage(frontendFrame(copy.encodeCopyDone()))).toEqual({ type: 'copyDone' });
    expect(decodeFrontendMessage(frontendFrame(copy.encodeCopyFail('nope')))).toEqual({ type: 'copyFail', message: 'nope' });
    const call = fn.decodeFunctionCall(frontendFrame(fn.encodeFunctionCall({ functionOid: 1598, argFormats: [1], args: [b('ab'), null], resultFormat: 1 })));
    expect(call).toMatchObject({ functionOid: 1598, argFormats: [1], resultFormat: 1 });
    expect(call.args.map((a) => a?.toString() ?? null)).toEqual(['ab', null]);
  });

  it("'p' messages: password, SASLInitialResponse (with and without data), SASLResponse", () => {
    const frame = frontendFrame(auth.encodePasswordMessage('tok€n'));
    expect(decodeFrontendMessage(frame)).toEqual({ type: 'authResponse', frame });
    expect(auth.decodePasswordMessage(frame)).toEqual({ type: 'password', password: 'tok€n' });
    const initial = auth.decodeSASLInitialResponse(frontendFrame(auth.encodeSASLInitialResponse('SCRAM-SHA-256', b('n,,n=,r=x'))));
    expect(initial.mechanism).toBe('SCRAM-SHA-256');
    expect(initial.data!.toString()).toBe('n,,n=,r=x');
    expect(auth.decodeSASLInitialResponse(frontendFrame(auth.encodeSASLInitialResponse('X', null))).data).toBeNull();
    expect(auth.decodeSASLResponse(frontendFrame(auth.encodeSASLResponse(b('c=biws')))).data.toString()).toBe('c=biws');
    expect(auth.decodeSASLResponse(frontendFrame(auth.encodeSASLResponse(Buffer.alloc(0)))).data.length).toBe(0);
  });
});

describe('backend messages: encode → frame → decode', () => {
  it('Authentication: every subtype', () => {
    expect(decodeBackendMessage(backendFrame(auth.encodeAuthenticationOk()))).toEqual({ type: 'authentication', subtype: 0 });
    expect(decodeBackendMessage(backendFrame(auth.encodeAuthenticationCleartextPassword()))).toEqual({ type: 'authentication', subtype: 3 });
    const md5 = auth.decodeAuthentication(backendFrame(auth.encodeAuthenticationMD5Password(Buffer.from([1, 2, 3, 4]))));
    expect(md5.subtype === AuthenticationType.MD5Password && [...md5.salt]).toEqual([1, 2, 3, 4]);
    expect(auth.decodeAuthentication(backendFrame(auth.encodeAuthenticationSASL(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'])))).toEqual({
      type: 'authentication', subtype: 10, mechanisms: ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'],
    });
    const cont = auth.decodeAuthentication(backendFrame(auth.encodeAuthenticationSASLContinue(b('r=x,s=y,i=1'))));
    expect(cont.subtype === 11 && cont.data.toString()).toBe('r=x,s=y,i=1');
    const fin = auth.decodeAuthentication(backendFrame(auth.encodeAuthenticationSASLFinal(b('v=abc'))));
    expect(fin.subtype === 12 && fin.data.toString()).toBe('v=abc');
    for (const subtype of [2, 7, 9]) {
      expect(auth.decodeAuthentication(backendFrame(new MessageWriter().int32(subtype).frame(0x52)))).toEqual({ type: 'authentication', subtype });
    }
    const gss = auth.decodeAuthentication(backendFrame(new MessageWriter().int32(8).bytes(b('tok')).frame(0x52)));
    expect(gss.subtype === 8 && gss.data.toString()).toBe('tok');
  });

  it('ParameterStatus, BackendKeyData, ReadyForQuery, NotificationResponse, NegotiateProtocolVersion', () => {
    expect(decodeBackendMessage(backendFrame(session.encodeParameterStatus('TimeZone', 'UTC')))).toEqual({ type: 'parameterStatus', name: 'TimeZone', value: 'UTC' });
    const key = session.decodeBackendKeyData(backendFrame(session.encodeBackendKeyData(99, Buffer.alloc(32, 7))));
    expect(key.processId).toBe(99);
    expect(key.secretKey.equals(Buffer.alloc(32, 7))).toBe(true);
    for (const status of ['I', 'T', 'E'] as const) {
      expect(decodeBackendMessage(backendFrame(session.encodeReadyForQuery(status)))).toEqual({ type: 'readyForQuery', status });
    }
    expect(decodeBackendMessage(backendFrame(session.encodeNotificationResponse(5, 'ch', 'hi')))).toEqual({ type: 'notification', processId: 5, channel: 'ch', payload: 'hi' });
    expect(decodeBackendMessage(backendFrame(session.encodeNegotiateProtocolVersion(0, ['_pq_.a', '_pq_.b'])))).toEqual({
      type: 'negotiateProtocolVersion', newestMinorVersion: 0, unrecognizedOptions: ['_pq_.a', '_pq_.b'],
    });
  });

  it('RowDescription, DataRow, CommandComplete, EmptyQueryResponse', () => {
    expect(decodeBackendMessage(backendFrame(rows.encodeRowDescription(FIELDS)))).toEqual({ type: 'rowDescription', fields: FIELDS });
    const wide = { ...FIELDS[0]!, tableOid: 4294967295, typeOid: 3000000000, typeMod: -2147483648, columnAttr: -1 };
    expect(rows.decodeRowDescription(backendFrame(rows.encodeRowDescription([wide]))).fields).toEqual([wide]);
    const values = [b('1'), null, b(''), b('ünï')];
    const row = rows.decodeDataRow(backendFrame(rows.encodeDataRow(values)));
    expect(row.values.map((v) => v?.toString() ?? null)).toEqual(['1', null, '', 'ünï']);
    expect(rows.decodeDataRow(backendFrame(rows.encodeDataRow([]))).values).toEqual([]);
    expect(decodeBackendMessage(backendFrame(query.encodeCommandComplete('INSERT 0 1')))).toEqual({ type: 'commandComplete', tag: 'INSERT 0 1' });
    expect(decodeBackendMessage(backendFrame(query.encodeEmptyQueryResponse()))).toEqual({ type: 'emptyQueryResponse' });
  });

  it('ErrorResponse / NoticeResponse: helper and raw fields, unknown letters kept', () => {
    const error = errors.decodeErrorResponse(backendFrame(errors.errorResponse({ severity: 'ERROR', code: '42501', message: 'denied', detail: 'd', hint: 'h', position: 3 })));
    expect(error).toMatchObject({ type: 'error', severity: 'ERROR', sqlState: '42501', message: 'denied' });
    expect([...error.fields]).toEqual([['S', 'ERROR'], ['V', 'ERROR'], ['C', '42501'], ['M', 'denied'], ['D', 'd'], ['H', 'h'], ['P', '3']]);
    const all = 'SVCMDHPpqWstcdnFLRZ'.split('').map((letter, i) => [letter, `value ${i}`] as [string, string]);
    const notice = decodeBackendMessage(backendFrame(errors.encodeNoticeResponse(all)));
    expect(notice.type === 'notice' && [...notice.fields]).toEqual(all);
    expect(errors.decodeErrorResponse(backendFrame(errors.encodeErrorResponse(new Map())))).toMatchObject({ severity: '', sqlState: '', message: '' });
    expect(errors.decodeNoticeResponse(backendFrame(errors.noticeResponse({ severity: 'WARNING', code: '01000', message: 'w' }))).severity).toBe('WARNING');
  });

  it('extended acks, ParameterDescription', () => {
    const cases = [
      [extended.encodeParseComplete(), 'parseComplete'],
      [extended.encodeBindComplete(), 'bindComplete'],
      [extended.encodeCloseComplete(), 'closeComplete'],
      [extended.encodeNoData(), 'noData'],
      [extended.encodePortalSuspended(), 'portalSuspended'],
    ] as const;
    for (const [message, type] of cases) expect(decodeBackendMessage(backendFrame(message))).toEqual({ type });
    expect(decodeBackendMessage(backendFrame(extended.encodeParameterDescription([23, 25, 0])))).toEqual({ type: 'parameterDescription', typeOids: [23, 25, 0] });
  });

  it('COPY responses, CopyData, CopyDone, FunctionCallResponse', () => {
    for (const type of ['copyInResponse', 'copyOutResponse', 'copyBothResponse'] as const) {
      expect(decodeBackendMessage(backendFrame(copy.encodeCopyResponse(type, 1, [1, 1])))).toEqual({ type, format: 1, columnFormats: [1, 1] });
    }
    const data = copy.decodeCopyData(backendFrame(copy.encodeCopyData(Buffer.from([0, 255]))));
    expect([...data.data]).toEqual([0, 255]);
    expect(decodeBackendMessage(backendFrame(copy.encodeCopyDone()))).toEqual({ type: 'copyDone' });
    expect(fn.decodeFunctionCallResponse(backendFrame(fn.encodeFunctionCallResponse(b('r')))).result!.toString()).toBe('r');
    expect(fn.decodeFunctionCallResponse(backendFrame(fn.encodeFunctionCallResponse(null))).result).toBeNull();
  });

  it('encryption answers', () => {
    for (const answer of ['S', 'N'] as const) {
      const reader = new BackendReader();
      reader.expectEncryptionResponse('ssl');
      expect(decodeBackendMessage(reader.push(startup.encodeEncryptionResponse(answer))[0]!)).toEqual({ type: 'encryptionResponse', answer });
    }
    const reader = new BackendReader();
    reader.expectEncryptionResponse('gss');
    expect(startup.decodeEncryptionResponse(reader.push(startup.encodeEncryptionResponse('G'))[0]!)).toEqual({ type: 'encryptionResponse', answer: 'G' });
  });
});
