import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { backendConversation, frontendConversation } from '../testing/streams.js';
import { prng, rawTypedFrame } from '../testing/support.js';
import { BackendReader } from './backend-reader.js';
import { BackendCode, FrontendCode } from './codes.js';
import { decodeBackendMessage, decodeFrontendMessage } from './decode.js';
import type { Frame } from './frame.js';
import { FrontendReader } from './frontend-reader.js';
import { decodePasswordMessage, decodeSASLInitialResponse, decodeSASLResponse } from './messages/authentication.js';
import { rewriteDataRow, scanDataRow } from './messages/rows.js';

type Random = ReturnType<typeof prng>;

/** Runs `fn`; passes if it returns or throws ProtocolError, fails on any other exception. */
function tolerate(fn: () => void, context: string): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof ProtocolError)) {
      throw new Error(`${context}: threw ${String(error)} instead of ProtocolError`, { cause: error });
    }
  }
}

/** Every decoder that could apply to a frame, including all readings of the ambiguous 'p'. */
function decodeEverything(frame: Frame, side: 'frontend' | 'backend', random: Random): void {
  if (side === 'frontend') {
    tolerate(() => void decodeFrontendMessage(frame), 'decodeFrontendMessage');
    if (frame.kind === 'typed' && frame.code === FrontendCode.AuthResponse) {
      tolerate(() => void decodePasswordMessage(frame), 'decodePasswordMessage');
      tolerate(() => void decodeSASLInitialResponse(frame), 'decodeSASLInitialResponse');
      tolerate(() => void decodeSASLResponse(frame), 'decodeSASLResponse');
    }
    return;
  }
  tolerate(() => void decodeBackendMessage(frame), 'decodeBackendMessage');
  if (frame.kind === 'typed' && frame.code === BackendCode.DataRow) {
    tolerate(() => {
      const layout = scanDataRow(frame);
      const replacements = new Map<number, Buffer | null>();
      for (let i = 0; i < layout.columnCount; i++) if (random.int(2) === 0) replacements.set(i, random.int(3) === 0 ? null : random.bytes(random.int(8)));
      const rewritten = rewriteDataRow(frame, replacements, layout);
      // A rewrite of a valid row is itself a valid row.
      const again = new BackendReader().push(rewritten);
      expect(again).toHaveLength(1);
      scanDataRow(again[0]!);
    }, 'rewriteDataRow');
  }
}

/** Pushes `stream` in random chunks; all frames are decoded; only ProtocolError may escape. */
function run(makeReader: () => FrontendReader | BackendReader, side: 'frontend' | 'backend', stream: Buffer, random: Random): void {
  const reader = makeReader();
  let offset = 0;
  let failed = false;
  let steps = 0;
  while (offset < stream.length) {
    const size = 1 + random.int(Math.min(64, stream.length - offset));
    const chunk = stream.subarray(offset, offset + size);
    offset += size;
    steps++;
    try {
      for (const frame of reader.push(chunk)) decodeEverything(frame, side, random);
      if (reader instanceof FrontendReader && reader.state === 'paused') reader.resume();
      if (reader instanceof BackendReader && reader.state === 'paused') reader.resume();
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      failed = true;
      break;
    }
  }
  expect(steps).toBeLessThanOrEqual(stream.length);
  if (failed) expect(reader.state).toBe('failed');
}

function mutate(stream: Buffer, random: Random, lengthOffsets: readonly number[]): Buffer {
  const out = Buffer.from(stream);
  switch (random.int(5)) {
    case 0: // flip some bytes
      for (let n = 1 + random.int(4); n > 0; n--) out[random.int(out.length)] = random.int(256);
      return out;
    case 1: // truncate
      return out.subarray(0, random.int(out.length));
    case 2: {
      // set a length field to a hostile value
      const at = lengthOffsets[random.int(lengthOffsets.length)]!;
      const values = [0, 3, 4, -1, -2147483648, 2147483647, 0x40000000, out.readInt32BE(at) + 1, out.readInt32BE(at) - 1];
      out.writeInt32BE(values[random.int(values.length)]!, at);
      return out;
    }
    case 3: {
      // set an inner Int16/Int32 to an extreme value at a random place inside a message
      const at = random.int(Math.max(1, out.length - 4));
      out.writeInt32BE([-1, -2, 0x7fffffff, 0x7fff0000][random.int(4)]!, at);
      return out;
    }
    default: // insert random bytes
      {
        const at = random.int(out.length);
        return Buffer.concat([out.subarray(0, at), random.bytes(1 + random.int(16)), out.subarray(at)]);
      }
  }
}

/** Offsets of the Int32 length field of each message in a stream of encoded messages. */
function lengthOffsets(messages: readonly Buffer[], typed: readonly boolean[]): number[] {
  const offsets: number[] = [];
  let at = 0;
  messages.forEach((message, i) => {
    offsets.push(at + (typed[i] ? 1 : 0));
    at += message.length;
  });
  return offsets;
}

const ITERATIONS = 3000;

describe('fuzz: readers and decoders only ever return or raise ProtocolError', () => {
  const { startup, typed } = frontendConversation();
  const frontendMessages = [...startup, ...typed];
  const frontendStream = Buffer.concat(frontendMessages);
  const frontendLengths = lengthOffsets(frontendMessages, frontendMessages.map((_, i) => i >= startup.length));
  const backendMessages = backendConversation();
  const backendStream = Buffer.concat(backendMessages);
  const backendLengths = lengthOffsets(backendMessages, backendMessages.map(() => true));

  it('random bytes into every reader (seed 1)', () => {
    const random = prng(1);
    for (let i = 0; i < ITERATIONS; i++) {
      const bytes = random.bytes(random.int(300));
      run(() => new FrontendReader(), 'frontend', bytes, random);
      run(() => new FrontendReader({ startup: false }), 'frontend', bytes, random);
      run(() => new BackendReader(), 'backend', bytes, random);
    }
  });

  it('plausible frames: known code, small length, random body (seed 2)', () => {
    const random = prng(2);
    const frontCodes = Object.values(FrontendCode);
    const backCodes = Object.values(BackendCode);
    for (let i = 0; i < ITERATIONS * 3; i++) {
      const backend = random.int(2) === 0;
      const codes: readonly number[] = backend ? backCodes : frontCodes;
      const frame = rawTypedFrame(codes[random.int(codes.length)]!, random.bytes(random.int(40)));
      // Straight to the decoders (bypassing the reader's length rules) and through a reader.
      decodeEverything(frame, backend ? 'backend' : 'frontend', random);
      run(() => (backend ? new BackendReader() : new FrontendReader({ startup: false })), backend ? 'backend' : 'frontend', frame.raw, random);
    }
  });

  it('mutated client streams (seed 3)', () => {
    const random = prng(3);
    for (let i = 0; i < ITERATIONS; i++) {
      run(() => new FrontendReader(), 'frontend', mutate(frontendStream, random, frontendLengths), random);
    }
  });

  it('mutated server streams (seed 4)', () => {
    const random = prng(4);
    for (let i = 0; i < ITERATIONS; i++) {
      run(() => new BackendReader(), 'backend', mutate(backendStream, random, backendLengths), random);
    }
  });

  it('mutated single messages, decoded directly (seed 5)', () => {
    const random = prng(5);
    for (let i = 0; i < ITERATIONS * 3; i++) {
      const backend = random.int(2) === 0;
      const source = backend ? backendMessages : typed;
      const message = Buffer.from(source[random.int(source.length)]!);
      for (let n = 1 + random.int(3); n > 0; n--) message[5 + random.int(Math.max(1, message.length - 5))] = random.int(256);
      const frame = rawTypedFrame(message[0]!, message.subarray(5));
      decodeEverything(frame, backend ? 'backend' : 'frontend', random);
    }
  });
});
