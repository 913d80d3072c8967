import { Long, deserialize, serialize } from 'bson';
import type { Document } from 'bson';
import type { StatementOutcome } from '@gatehouse/proxy';
import { silentLogger } from '@gatehouse/proxy';
import { describe, expect, it } from 'vitest';
import { messageAt } from '../protocol/message.js';
import type { MongoMessage } from '../protocol/message.js';
import { decodeOpMsg, encodeOpMsg } from '../protocol/op-msg.js';
import { CursorRegistry } from './cursor-registry.js';
import { ReplyRelay } from './reply-relay.js';
import type { PendingCommand } from './reply-relay.js';

const OUTCOME: StatementOutcome = {
  actions: [],
  decision: { effect: 'allow', rules: ['capped'], reason: 'test', risk: { score: 0, factors: [] }, obligations: { audit: 'standard' }, observed: [] },
};

function pending(overrides: Partial<PendingCommand> = {}): PendingCommand {
  return {
    command: 'find',
    namespace: 'app.notes',
    outcome: OUTCOME,
    masker: undefined,
    changeStream: false,
    distinctKey: undefined,
    objects: [],
    getMoreId: undefined,
    killIds: [],
    lsid: undefined,
    db: 'app',
    startedAt: performance.now(),
    rowLimit: undefined,
    cursorEntry: undefined,
    valuesLimit: undefined,
    ...overrides,
  };
}

function reply(responseTo: number, document: Document): MongoMessage {
  const raw = encodeOpMsg({ requestId: 9_000 + responseTo, responseTo, body: Buffer.from(serialize(document)) });
  return messageAt(raw, 0, raw.length);
}

function cursorReply(responseTo: number, id: number, documents: Document[]): MongoMessage {
  return reply(responseTo, { cursor: { id: Long.fromNumber(id), ns: 'app.notes', firstBatch: documents }, ok: 1 });
}

/** A relay with a real cursor registry, recording what it writes to either side. */
function relay() {
  const cursors = new CursorRegistry();
  const toClient: Buffer[] = [];
  const toUpstream: Buffer[] = [];
  const completed: { result: string; rows: number | undefined }[] = [];
  const replies = new ReplyRelay({
    cursors,
    log: silentLogger(),
    reportsCompletion: true,
    principalId: () => 'ana',
    redactText: (text) => text,
    writeClient: (bytes) => toClient.push(bytes),
    writeClientParts: (parts) => toClient.push(Buffer.concat(parts)),
    upstreamOpen: () => true,
    writeUpstream: (bytes) => toUpstream.push(bytes),
    finished: () => undefined,
    completed: (_db, _outcome, _startedAt, result, details) => completed.push({ result, rows: details?.rows }),
  });
  const body = (bytes: Buffer): Document => deserialize(decodeOpMsg(messageAt(bytes, 0, bytes.length)).body);
  return { replies, cursors, toClient, toUpstream, completed, body };
}

describe('the reply path', () => {
  it('passes an untouched reply through as the same bytes, registers its cursor to the principal and reports the rows', () => {
    const { replies, cursors, toClient, completed } = relay();
    replies.expectReply(7, pending());
    const message = cursorReply(7, 42, [{ _id: 1 }, { _id: 2 }]);
    replies.handle(message);
    expect(toClient).toEqual([message.raw]);
    expect(cursors.lookup(42n, 'ana')?.namespace).toBe('app.notes');
    expect(cursors.lookup(42n, 'bob')).toBeUndefined();
    expect(completed).toEqual([{ result: 'ok', rows: 2 }]);
    expect(replies.awaiting).toBe(0);
  });

  it('cuts a batch at the row limit, ends the cursor for the client and kills it upstream, dropping that reply', () => {
    const { replies, cursors, toClient, toUpstream, body } = relay();
    replies.expectReply(7, pending({ rowLimit: 2 }));
    replies.handle(cursorReply(7, 42, [{ _id: 1 }, { _id: 2 }, { _id: 3 }]));
    const seen = body(toClient[0]!);
    expect((seen['cursor'] as Document)['firstBatch']).toEqual([{ _id: 1 }, { _id: 2 }]);
    expect(String((seen['cursor'] as Document)['id'])).toBe('0');
    expect(seen['gatehouseNotice']).toContain('capped');
    expect(cursors.lookup(42n, 'ana')).toBeUndefined();
    expect(toUpstream).toHaveLength(1);
    const kill = decodeOpMsg(messageAt(toUpstream[0]!, 0, toUpstream[0]!.length));
    expect(deserialize(kill.body)).toMatchObject({ killCursors: 'notes', $db: 'app' });
    // The server's answer to the gateway's own killCursors never reaches the client.
    replies.handle(reply(messageAt(toUpstream[0]!, 0, toUpstream[0]!.length).requestId, { cursorsKilled: [Long.fromNumber(42)], ok: 1 }));
    expect(toClient).toHaveLength(1);
  });

  it('drops one stray reply to a moreToCome request, and refuses replies nobody awaits', () => {
    const { replies, toClient } = relay();
    replies.expectNoReply(11);
    replies.handle(reply(11, { ok: 1 }));
    expect(toClient).toHaveLength(0);
    expect(() => replies.handle(reply(11, { ok: 1 }))).toThrow(/not awaiting/);
    expect(() => replies.handle(reply(12, { ok: 1 }))).toThrow(/not awaiting/);
  });

  it('awaits nothing once the upstream connection is abandoned', () => {
    const { replies } = relay();
    replies.expectReply(7, pending());
    expect(replies.pendingCommands().map(([id]) => id)).toEqual([7]);
    replies.forgetAll();
    expect(replies.awaiting).toBe(0);
    expect(() => replies.handle(cursorReply(7, 42, []))).toThrow(/not awaiting/);
  });
});
