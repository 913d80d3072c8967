import { describe, expect, it } from 'vitest';
import { FrontendCode } from '../codes.js';
import { prng, rawTypedFrame } from '../../testing/support.js';
import { decodeBind, decodeBindTarget, encodeBind } from './extended.js';

/** The outcome of a decoder as comparable text: the names, or the error it threw. */
function outcome(decode: () => { portal: string; statement: string }): string {
  try {
    const { portal, statement } = decode();
    return `ok:${portal}|${statement}`;
  } catch (error) {
    return `error:${(error as Error).name}:${(error as Error).message}`;
  }
}

describe('decodeBindTarget', () => {
  it('reads the names of well-formed Binds', () => {
    const bind = encodeBind({ portal: 'p1', statement: 'sélect', paramFormats: [1], params: [Buffer.from([0, 0, 0, 7]), null], resultFormats: [0, 1] });
    const frame = rawTypedFrame(FrontendCode.Bind, bind.subarray(5));
    expect(decodeBindTarget(frame)).toEqual({ portal: 'p1', statement: 'sélect' });
    expect(decodeBindTarget(rawTypedFrame(FrontendCode.Bind, encodeBind({}).subarray(5)))).toEqual({ portal: '', statement: '' });
  });

  it('accepts and refuses exactly what decodeBind does, with the same error (seeded mutations)', () => {
    const random = prng(410);
    const seeds = [
      encodeBind({ portal: 'p', statement: 's', paramFormats: [0, 1], params: [Buffer.from('abc'), null], resultFormats: [1] }),
      encodeBind({ params: [Buffer.from('x')] }),
      encodeBind({ statement: 'stmt', paramFormats: [1, 0, 1], params: [Buffer.alloc(4), Buffer.alloc(0), null] }),
    ].map((message) => message.subarray(5));
    let refused = 0;
    for (let round = 0; round < 3000; round++) {
      const body = Buffer.from(seeds[random.int(seeds.length)]!);
      const edits = 1 + random.int(3);
      let mutated: Buffer = body;
      for (let e = 0; e < edits; e++) {
        const at = random.int(mutated.length + 1);
        const choice = random.int(3);
        if (choice === 0 && mutated.length > 0) mutated[Math.min(at, mutated.length - 1)] = random.int(256);
        else if (choice === 1) mutated = Buffer.concat([mutated.subarray(0, at), mutated.subarray(at + 1)]);
        else mutated = Buffer.concat([mutated.subarray(0, at), random.bytes(1 + random.int(4)), mutated.subarray(at)]);
      }
      const frame = rawTypedFrame(FrontendCode.Bind, mutated);
      const expected = outcome(() => decodeBind(frame));
      expect(outcome(() => decodeBindTarget(frame)), `round ${round}`).toBe(expected);
      if (expected.startsWith('error')) refused++;
    }
    // The mutations exercise both sides.
    expect(refused).toBeGreaterThan(300);
    expect(refused).toBeLessThan(2900);
  });
});
