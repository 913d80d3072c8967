// Realistic protocol conversations built with the encoders, for split/fuzz tests.
import {
  encodeAuthenticationOk,
  encodeAuthenticationSASL,
  encodeAuthenticationSASLContinue,
  encodeAuthenticationSASLFinal,
  encodePasswordMessage,
  encodeSASLInitialResponse,
  encodeSASLResponse,
} from '../protocol/messages/authentication.js';
import { encodeCopyData, encodeCopyDone, encodeCopyFail, encodeCopyResponse } from '../protocol/messages/copy.js';
import { errorResponse, noticeResponse } from '../protocol/messages/error-notice.js';
import {
  encodeBind,
  encodeBindComplete,
  encodeClose,
  encodeCloseComplete,
  encodeDescribe,
  encodeExecute,
  encodeFlush,
  encodeNoData,
  encodeParameterDescription,
  encodeParse,
  encodeParseComplete,
  encodePortalSuspended,
  encodeSync,
} from '../protocol/messages/extended.js';
import { encodeFunctionCall, encodeFunctionCallResponse } from '../protocol/messages/function-call.js';
import { encodeCommandComplete, encodeEmptyQueryResponse, encodeQuery } from '../protocol/messages/query.js';
import { encodeDataRow, encodeRowDescription } from '../protocol/messages/rows.js';
import type { FieldDescription } from '../protocol/messages/rows.js';
import {
  encodeBackendKeyData,
  encodeNegotiateProtocolVersion,
  encodeNotificationResponse,
  encodeParameterStatus,
  encodeReadyForQuery,
  encodeTerminate,
} from '../protocol/messages/session.js';
import { encodeStartupMessage } from '../protocol/messages/startup.js';


export const FIELDS: FieldDescription[] = [
  { name: 'id', tableOid: 16384, columnAttr: 1, typeOid: 23, typeSize: 4, typeMod: -1, format: 0 },
  { name: 'email', tableOid: 16384, columnAttr: 2, typeOid: 25, typeSize: -1, typeMod: -1, format: 0 },
  { name: 'note', tableOid: 0, columnAttr: 0, typeOid: 1043, typeSize: -1, typeMod: 104, format: 0 },
];

/** Client side: startup, cleartext token, simple query, extended batch, COPY IN, function call, terminate. */
export function frontendConversation(): { startup: Buffer[]; typed: Buffer[] } {
  return {
    startup: [encodeStartupMessage({ user: 'alice@example.com', database: 'app', application_name: 'psql' })],
    typed: [
      encodePasswordMessage('eyJhbGciOiJSUzI1NiJ9.token.sig'),
      encodeQuery('SELECT id, email, note FROM users WHERE id < 4'),
      encodeParse('s1', 'SELECT * FROM users WHERE id = $1 AND email = $2', [23, 0]),
      encodeBind({ portal: '', statement: 's1', paramFormats: [0], params: [Buffer.from('42'), null], resultFormats: [1] }),
      encodeDescribe('P', ''),
      encodeExecute('', 100),
      encodeClose('S', 's1'),
      encodeFlush(),
      encodeSync(),
      encodeQuery("COPY users FROM STDIN WITH (FORMAT csv)"),
      encodeCopyData(Buffer.from('5,eve@example.com,hello\n')),
      encodeCopyData(Buffer.from('6,mallory@example.com,\n')),
      encodeCopyDone(),
      encodeQuery('COPY t FROM STDIN'),
      encodeCopyFail('client gave up'),
      encodeFunctionCall({ functionOid: 1598, argFormats: [1], args: [Buffer.from([0, 0, 0, 1])], resultFormat: 1 }),
      encodeSASLInitialResponse('SCRAM-SHA-256', Buffer.from('n,,n=,r=abc')),
      encodeSASLResponse(Buffer.from('c=biws,r=abcdef,p=xyz')),
      encodeTerminate(),
    ],
  };
}

/** Server side: SCRAM, startup params, a simple query's rows, extended acks, COPY OUT/IN, errors. */
export function backendConversation(): Buffer[] {
  return [
    encodeAuthenticationSASL(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256']),
    encodeAuthenticationSASLContinue(Buffer.from('r=abcdef,s=c2FsdA==,i=4096')),
    encodeAuthenticationSASLFinal(Buffer.from('v=c2lnbmF0dXJl')),
    encodeAuthenticationOk(),
    encodeNegotiateProtocolVersion(0, ['_pq_.unknown']),
    encodeParameterStatus('server_version', '15.8'),
    encodeParameterStatus('client_encoding', 'UTF8'),
    encodeParameterStatus('TimeZone', 'UTC'),
    encodeBackendKeyData(4242, Buffer.from([1, 2, 3, 4])),
    encodeReadyForQuery('I'),
    encodeRowDescription(FIELDS),
    encodeDataRow([Buffer.from('1'), Buffer.from('alice@example.com'), null]),
    encodeDataRow([Buffer.from('2'), Buffer.from('bob@example.com'), Buffer.from('')]),
    encodeDataRow([Buffer.from('3'), null, Buffer.from('ünïcödé')]),
    encodeCommandComplete('SELECT 3'),
    encodeReadyForQuery('I'),
    encodeParseComplete(),
    encodeParameterDescription([23, 25]),
    encodeBindComplete(),
    encodeRowDescription(FIELDS.slice(0, 2)),
    encodeDataRow([Buffer.from('42'), Buffer.from('x@y.z')]),
    encodePortalSuspended(),
    encodeCloseComplete(),
    encodeNoData(),
    encodeReadyForQuery('T'),
    encodeCopyResponse('copyInResponse', 0, [0, 0, 0]),
    encodeCommandComplete('COPY 2'),
    encodeCopyResponse('copyOutResponse', 0, [0, 0]),
    encodeCopyData(Buffer.from('1\talice@example.com\n')),
    encodeCopyData(Buffer.from('2\tbob@example.com\n')),
    encodeCopyDone(),
    encodeCommandComplete('COPY 2'),
    encodeCopyResponse('copyBothResponse', 1, []),
    noticeResponse({ severity: 'NOTICE', code: '00000', message: 'relation already exists, skipping' }),
    errorResponse({ severity: 'ERROR', code: '42501', message: 'permission denied', detail: 'rule no-prod-writes', hint: 'ask', position: 7 }),
    encodeNotificationResponse(77, 'jobs', '{"id":1}'),
    encodeEmptyQueryResponse(),
    encodeFunctionCallResponse(Buffer.from([0, 0, 0, 2])),
    encodeFunctionCallResponse(null),
    encodeReadyForQuery('E'),
  ];
}
