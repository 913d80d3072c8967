import { deserialize, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { messageAt } from '../protocol/message.js';
import { MsgFlag, decodeOpMsg, encodeOpMsg } from '../protocol/op-msg.js';
import { forwardBytes } from './forward-message.js';

function message(flags: number, checksum: boolean) {
  const raw = encodeOpMsg({
    requestId: 42,
    responseTo: 0,
    flags,
    body: Buffer.from(serialize({ update: 'notes', $db: 'app' })),
    sequences: [{ identifier: 'updates', documents: [Buffer.from(serialize({ q: {}, u: { $set: { a: 1 } } }))] }],
    checksum,
  });
  const parsed = messageAt(raw, 0, raw.length);
  return { parsed, msg: decodeOpMsg(parsed) };
}

describe('what goes upstream for a client command', () => {
  it('is the client bytes themselves when nothing changes', () => {
    const { parsed, msg } = message(0, false);
    expect(forwardBytes(parsed, msg, {})).toBe(parsed.raw);
  });

  it('clears exhaustAllowed, keeping a valid checksum', () => {
    const { parsed, msg } = message(MsgFlag.ExhaustAllowed, true);
    const out = forwardBytes(parsed, msg, {});
    const again = decodeOpMsg(messageAt(out, 0, out.length));
    expect(again.flags & MsgFlag.ExhaustAllowed).toBe(0);
    expect(again.checksumPresent).toBe(true);
  });

  it('adds the comment and replaces sequences, with the same request id and a recomputed checksum', () => {
    const { parsed, msg } = message(0, true);
    const replaced = new Map([['updates', [Buffer.from(serialize({ q: { region: { $eq: 'eu' } }, u: { $set: { a: 1 } } }))]]]);
    const out = forwardBytes(parsed, msg, { comment: '00-abc-01', sequences: replaced });
    const reread = messageAt(out, 0, out.length);
    expect(reread.requestId).toBe(42);
    const again = decodeOpMsg(reread);
    expect(deserialize(again.body)).toEqual({ update: 'notes', $db: 'app', comment: '00-abc-01' });
    expect(again.sequences.map((sequence) => sequence.documents.map((doc) => deserialize(doc)))).toEqual([[{ q: { region: { $eq: 'eu' } }, u: { $set: { a: 1 } } }]]);
  });
});
