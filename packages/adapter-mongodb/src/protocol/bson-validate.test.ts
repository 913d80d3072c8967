import { Binary, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, serialize } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { commandShapeKey } from '../classify/shape-key.js';
import { ProtocolError } from '../errors.js';
import { decodeDocument } from './bson-codec.js';
import { assertValidBson } from './bson-validate.js';

const VALID: Document[] = [
  { find: 'docs', filter: { _id: 3 }, limit: 1, singleBatch: true, lsid: { id: new Binary(Buffer.alloc(16, 1), 4) }, $db: 'bench' },
  { insert: 'docs', documents: [{ _id: new ObjectId(), name: 'Zoë', when: new Date(0), n: new Long(5), d: new Double(1.5), i: new Int32(2) }], $db: 'bench' },
  {
    all: [null, undefined, true, false, new MinKey(), new MaxKey(), new Timestamp({ t: 1, i: 2 }), Decimal128.fromString('1.5'), new BSONSymbol('s')],
    re: new BSONRegExp('^a.*', 'imsux'),
    code: new Code('return x'),
    scoped: new Code('return x', { x: 1, nested: { y: 'ü' } }),
    ref: new DBRef('users', new ObjectId()),
    old: new Binary(Buffer.from('abc'), 2),
    emoji: '🙂 ok',
  },
];

/** The same check decodeDocument makes, as a yes/no. */
function bsonAccepts(bytes: Buffer): boolean {
  try {
    decodeDocument(bytes);
    return true;
  } catch {
    return false;
  }
}

function validatorAccepts(bytes: Buffer): boolean {
  try {
    assertValidBson(bytes);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return false;
  }
}

/** Whether a command's shape key (whose walk makes the same checks, in the same pass) comes out. */
function shapeKeyAccepts(bytes: Buffer): boolean {
  try {
    return commandShapeKey(bytes) !== undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return false;
  }
}

/** A small deterministic PRNG, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

describe('checking a BSON document without decoding it', () => {
  it('accepts what the bson package decodes', () => {
    for (const document of VALID) {
      expect(validatorAccepts(Buffer.from(serialize(document)))).toBe(true);
      expect(shapeKeyAccepts(Buffer.from(serialize(document)))).toBe(true);
    }
  });

  it('refuses invalid UTF-8, bad booleans, unknown regex options and broken lengths', () => {
    const string = Buffer.from(serialize({ s: 'abc' }));
    string[string.indexOf('abc')] = 0xff;
    const boolean = Buffer.from(serialize({ b: true }));
    boolean[boolean.length - 2] = 2;
    const regex = Buffer.from(serialize({ r: new BSONRegExp('a', 'i') }));
    regex[regex.length - 3] = 'q'.charCodeAt(0);
    const length = Buffer.from(serialize({ s: 'abc' }));
    length.writeInt32LE(40, 7);
    const oldBinary = Buffer.from(serialize({ b: new Binary(Buffer.from('abc'), 2) }));
    oldBinary.writeInt32LE(9, 12);
    for (const bytes of [string, boolean, regex, length, oldBinary]) {
      expect(bsonAccepts(bytes)).toBe(false);
      expect(validatorAccepts(bytes)).toBe(false);
      expect(shapeKeyAccepts(bytes)).toBe(false);
    }
  });

  it('never accepts a corrupted document the bson package refuses (every byte, then random damage), nor gives it a shape key', () => {
    const next = random(7);
    let refusedByBoth = 0;
    for (const document of VALID) {
      const original = Buffer.from(serialize(document));
      const cases: Buffer[] = [];
      for (let at = 0; at < original.length; at++) {
        for (const value of [0x00, 0x01, 0x02, 0x7f, 0x80, 0xc3, 0xff]) {
          const bytes = Buffer.from(original);
          bytes[at] = value;
          cases.push(bytes);
        }
      }
      for (let round = 0; round < 2_000; round++) {
        const bytes = Buffer.from(original);
        for (let hits = 1 + Math.floor(next() * 3); hits > 0; hits--) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
        cases.push(bytes);
      }
      for (const bytes of cases) {
        const bson = bsonAccepts(bytes);
        const ours = validatorAccepts(bytes);
        if (ours) expect({ bytes: bytes.toString('hex'), bson }).toEqual({ bytes: bytes.toString('hex'), bson: true });
        if (shapeKeyAccepts(bytes)) expect({ bytes: bytes.toString('hex'), bson, keyed: true }).toEqual({ bytes: bytes.toString('hex'), bson: true, keyed: true });
        if (!bson && !ours) refusedByBoth++;
      }
    }
    expect(refusedByBoth).toBeGreaterThan(1_000);
  });
});
