import { serialize } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { summarizeReply } from './reply-summary.js';

const summary = (reply: Document, command: string) => summarizeReply(Buffer.from(serialize(reply)), command);

describe('a command reply as statementCompleted reports it', () => {
  it('counts written and returned documents', () => {
    expect(summary({ n: 3, ok: 1 }, 'insert')).toEqual({ result: 'ok', rows: 3 });
    expect(summary({ n: 2, ok: 1.0 }, 'delete')).toEqual({ result: 'ok', rows: 2 });
    expect(summary({ n: 4, nModified: 2, upserted: [{ index: 0, _id: 1 }], ok: 1 }, 'update')).toEqual({ result: 'ok', rows: 3 });
    expect(summary({ lastErrorObject: { n: 1, updatedExisting: true }, value: { a: 1 }, ok: 1 }, 'findAndModify')).toEqual({ result: 'ok', rows: 1 });
    expect(summary({ values: ['a', 'b'], ok: 1 }, 'distinct')).toEqual({ result: 'ok', rows: 2 });
    expect(summary({ ok: 1 }, 'ping')).toEqual({ result: 'ok' });
  });

  it('reports the numeric code, never the message', () => {
    const refused = summary({ ok: 0, errmsg: 'secret value in message', code: 2, codeName: 'BadValue' }, 'find');
    expect(refused).toEqual({ result: 'error', errorCode: '2' });
    expect(JSON.stringify(refused)).not.toContain('secret');
    expect(summary({ n: 1, writeErrors: [{ index: 1, code: 11000, errmsg: 'dup key: { _id: "x" }' }], ok: 1 }, 'insert')).toEqual({ result: 'error', errorCode: '11000', rows: 1 });
    expect(summary({ n: 1, writeConcernError: { code: 64, errmsg: 'waiting' }, ok: 1 }, 'insert')).toEqual({ result: 'error', errorCode: '64', rows: 1 });
    expect(summary({ ok: false }, 'find')).toEqual({ result: 'error' });
  });
});
