import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AwaitableStream, ConnectionClosedError, HandshakeTimeoutError } from './awaitable-stream.js';

/** A line reader: each '\n'-terminated line is a message; "bad" breaks framing. */
function lineReader() {
  let pending = '';
  return {
    push(chunk: Buffer): string[] {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (lines.includes('bad')) throw new Error('malformed');
      return lines;
    },
  };
}

describe('AwaitableStream', () => {
  it('hands messages to waiters and queues the rest, across chunk boundaries', async () => {
    const socket = new PassThrough();
    const stream = new AwaitableStream(socket, lineReader(), 'client');
    const first = stream.next(1_000);
    socket.write('one\ntw');
    socket.write('o\nthree\n');
    expect(await first).toBe('one');
    expect(await stream.next(1_000)).toBe('two');
    expect(stream.detach()).toEqual(['three']);
  });

  it('rejects a waiter when framing breaks, and every later call too', async () => {
    const socket = new PassThrough();
    const stream = new AwaitableStream(socket, lineReader(), 'client');
    const waiting = stream.next(1_000);
    socket.write('bad\n');
    await expect(waiting).rejects.toThrow('malformed');
    await expect(stream.next(1_000)).rejects.toThrow('malformed');
  });

  it('rejects on close and on timeout with typed errors', async () => {
    const socket = new PassThrough();
    const stream = new AwaitableStream(socket, lineReader(), 'upstream');
    await expect(stream.next(20)).rejects.toBeInstanceOf(HandshakeTimeoutError);
    const waiting = stream.next(1_000);
    socket.destroy();
    await expect(waiting).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('puts back messages ahead of the queue and feeds held bytes', async () => {
    const socket = new PassThrough();
    const stream = new AwaitableStream(socket, lineReader(), 'client');
    stream.feed(Buffer.from('fed\n'));
    stream.unshift(['first']);
    expect(await stream.next(1_000)).toBe('first');
    expect(await stream.next(1_000)).toBe('fed');
  });
});
