import { Binary, Code, Long, UUID, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { decodeDocument } from '../protocol/bson-codec.js';
import { rawElements } from '../protocol/raw-bson.js';
import { ClientCommand, commandNameOf } from './client-command.js';
import { lsidKey } from './operation-registry.js';

const UUID_ID = new UUID('bb2a18df-d15e-4a22-9002-3198d74dc520');

/** A body with the elements exactly as listed (repeated names too), which serialize cannot produce. */
function withElements(elements: [string, unknown][]): Buffer {
  const parts = elements.map(([name, value]) => {
    const one = Buffer.from(serialize({ [name]: value }));
    return one.subarray(4, one.length - 1);
  });
  const size = 5 + parts.reduce((sum, part) => sum + part.length, 0);
  const head = Buffer.alloc(4);
  head.writeInt32LE(size, 0);
  return Buffer.concat([head, ...parts, Buffer.from([0])]);
}

const BODIES: Buffer[] = [
  Buffer.from(serialize({ find: 'docs', filter: { _id: 3 }, limit: 1, singleBatch: true, lsid: { id: UUID_ID }, $db: 'bench' })),
  Buffer.from(serialize({ insert: 'docs', documents: [{ a: 1 }], ordered: true, lsid: { id: new Binary(Buffer.alloc(16, 9), 4) }, $db: 'bench' })),
  Buffer.from(serialize({ find: 'docs', filter: {}, lsid: { id: new Binary(Buffer.from('abc'), 2) }, $db: 'bench' })),
  Buffer.from(serialize({ find: 'docs', filter: {}, lsid: { $ref: 'x', $id: 1, id: new Binary(Buffer.alloc(16, 1), 4) }, $db: 'bench' })),
  Buffer.from(serialize({ find: 'docs', filter: {}, lsid: { id: new Binary(Buffer.alloc(16, 1), 4), extra: 1 }, $db: 'bench' })),
  Buffer.from(serialize({ find: 'docs', filter: {}, lsid: 'not a document', $db: 'bench' })),
  Buffer.from(serialize({ find: 'docs', filter: {}, lsid: [new Binary(Buffer.alloc(16, 1), 4)], $db: 'bench' })),
  Buffer.from(serialize({ count: 'docs', query: {}, comment: 'why', $db: 'bench' })),
  Buffer.from(serialize({ count: 'docs', query: {}, comment: undefined, $db: 'bench' }, { ignoreUndefined: false })),
  Buffer.from(serialize({ count: 'docs', query: {}, comment: new Code('x'), $db: 'bench' })),
  Buffer.from(serialize({ distinct: 'docs', key: 'email', $db: 7 })),
  Buffer.from(serialize({ distinct: 'docs', key: 'email' })),
  Buffer.from(serialize({ find: new Long(3), filter: {}, $db: 'bench' })),
  Buffer.from(serialize({ find: 'docs', 7: 'seven', 2: 'two', $db: 'bench' })),
  withElements([
    ['find', 'docs'],
    ['$db', 'bench'],
    ['$db', 'secret'],
  ]),
  withElements([
    ['find', 'a'],
    ['filter', {}],
    ['find', 'b'],
    ['$db', 'bench'],
  ]),
  withElements([
    ['insert', 'docs'],
    ['lsid', { id: new Binary(Buffer.alloc(16, 1), 4) }],
    ['lsid', { id: new Binary(Buffer.alloc(16, 2), 4) }],
    ['$db', 'bench'],
  ]),
  withElements([
    ['find', 'docs'],
    ['comment', 'one'],
    ['comment', undefined],
    ['$db', 'bench'],
  ]),
];

describe('a client command read from its raw body', () => {
  it('agrees with the decoded command on every field the relay reads', () => {
    for (const body of BODIES) {
      const decoded = decodeDocument(body);
      const elements = rawElements(body);
      const name = commandNameOf(elements);
      expect(name).toBe(Object.keys(decoded)[0] ?? '');
      const command = new ClientCommand(name, body, elements, []);
      const expected = {
        name,
        db: typeof decoded['$db'] === 'string' ? decoded['$db'] : undefined,
        target: typeof decoded[name] === 'string' ? (decoded[name] as string) : undefined,
        hasComment: decoded['comment'] !== undefined,
        lsid: lsidKey(decoded['lsid']),
      };
      expect({ name: command.name, db: command.db, target: command.target, hasComment: command.hasComment, lsid: command.lsid }).toEqual(expected);
      expect(command.document).toEqual(decoded);
    }
  });

  it('reads the usual find-by-_id without decoding it', () => {
    const body = BODIES[0]!;
    const command = new ClientCommand('find', body, rawElements(body), []);
    expect(command.shapeKey).toBeDefined();
    expect(command.lsid).toBe(Buffer.from(UUID_ID.buffer).toString('hex'));
    expect(command.db).toBe('bench');
  });

  it('still refuses a malformed body before anything else happens, decoded or not', () => {
    const cached = Buffer.from(serialize({ find: 'docs', filter: { name: 'abc' }, $db: 'bench' }));
    cached[cached.indexOf('abc')] = 0xff; // invalid UTF-8 in a value the cache path never decodes
    expect(() => new ClientCommand('find', cached, rawElements(cached), [])).toThrow(ProtocolError);
    const decoded = Buffer.from(serialize({ update: 'docs', updates: [{ q: { name: 'abc' }, u: {} }], $db: 'bench' }));
    decoded[decoded.indexOf('abc')] = 0xff;
    expect(() => new ClientCommand('update', decoded, rawElements(decoded), [])).toThrow(ProtocolError);
  });
});
