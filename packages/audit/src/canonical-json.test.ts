import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

/** The plain definition (sort, filter, map, join): the fast encoder must produce exactly its bytes. */
function reference(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : reference(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${reference(record[key])}`).join(',')}}`;
}

/** Deterministic pseudo-random values of every kind canonical JSON accepts. */
function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 6 : 9));
  const keys = ['a', 'b', 'Z', '_', 'é', 'aa', 'a1', '10', '2', '\u{1F600}', 'ﬀ', 'key with space', 'x"y'];
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return [0, -0, 1.5, -3, 1e21, 2 ** 53, 5e-324][Math.floor(next() * 7)];
    case 3:
      return ['', 'plain', 'quote"back\\slash', 'line\nbreak', '\u2028', '\u{1F600}', '\ud800'][Math.floor(next() * 7)];
    case 4:
      return new Date(Math.floor(next() * 2e12));
    case 5:
      return BigInt(Math.floor(next() * 1e9));
    case 6:
    case 7: {
      const out: Record<string, unknown> = {};
      const n = Math.floor(next() * 6);
      for (let i = 0; i < n; i++) out[keys[Math.floor(next() * keys.length)]!] = next() < 0.1 ? undefined : randomValue(next, depth + 1);
      return out;
    }
    default:
      return Array.from({ length: Math.floor(next() * 4) }, () => (next() < 0.1 ? undefined : randomValue(next, depth + 1)));
  }
}

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined, and is stable across key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined, x: 'x' }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":"x","z":1}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('encodes Dates as ISO strings and refuses what JSON cannot carry', () => {
    expect(canonicalJson({ at: new Date('2026-01-01T00:00:00Z') })).toBe('{"at":"2026-01-01T00:00:00.000Z"}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ n: [Number.POSITIVE_INFINITY] })).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
  });

  it('gives exactly the bytes of the plain definition for thousands of random values (hashes of stored trails depend on it)', () => {
    let seed = 0x9e3779b9;
    const next = (): number => {
      seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      return seed / 2 ** 32;
    };
    for (let i = 0; i < 5_000; i++) {
      const value = randomValue(next, 0);
      expect(canonicalJson(value)).toBe(reference(value));
    }
  });
});
