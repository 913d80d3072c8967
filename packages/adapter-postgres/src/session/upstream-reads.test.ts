import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { UpstreamReads } from './upstream-reads.js';

/** A server that sends each of `messages` once asked (one byte from the client per message). */
async function replyServer(messages: readonly Buffer[]): Promise<Server> {
  const server = createServer((socket) => {
    let next = 0;
    socket.on('data', (chunk: Buffer) => {
      for (let i = 0; i < chunk.length && next < messages.length; i++) socket.write(messages[next++]!);
      if (next === messages.length) socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Connects with `reads`, asks for every message one by one, and returns what 'data' delivered (as it was when delivered, and the views). */
async function readAll(server: Server, reads: UpstreamReads, count: number): Promise<{ seen: string[]; chunks: Buffer[]; socket: Socket }> {
  const socket = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', onread: reads.onread });
  reads.attach(socket);
  const seen: string[] = [];
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      seen.push(chunk.toString('latin1'));
      chunks.push(chunk);
      if (seen.length === count) resolve();
      else socket.write('n');
    });
    socket.once('connect', () => socket.write('n'));
  });
  return { seen, chunks, socket };
}

describe('UpstreamReads', () => {
  let server: Server | undefined;
  let socket: Socket | undefined;
  afterEach(async () => {
    socket?.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  const messages = ['first', 'second!', 'third..'].map((text) => Buffer.from(text));

  it("delivers each read as the socket's 'data', and 'end' after the last", async () => {
    server = await replyServer(messages);
    const reads = new UpstreamReads();
    const { seen, socket: s } = await readAll(server, reads, messages.length);
    socket = s;
    expect(seen).toEqual(['first', 'second!', 'third..']);
    await new Promise((resolve) => s.once('end', resolve));
  });

  it('gives every read fresh memory until its holder allows reuse', async () => {
    server = await replyServer(messages);
    const reads = new UpstreamReads();
    const { chunks, socket: s } = await readAll(server, reads, messages.length);
    socket = s;
    // Nothing allowed reuse: every chunk is intact and in memory of its own.
    expect(chunks.map((chunk) => chunk.toString('latin1'))).toEqual(['first', 'second!', 'third..']);
    expect(new Set(chunks.map((chunk) => chunk.buffer)).size).toBe(chunks.length);
  });

  it('reads into the same memory again while reuse is allowed, and stops when it is not', async () => {
    server = await replyServer([...messages, Buffer.from('fourth'), Buffer.from('fifth')]);
    const reads = new UpstreamReads();
    let reusable = true;
    reads.reuseWhen(() => reusable);
    const memories: ArrayBufferLike[] = [];
    socket = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', onread: reads.onread });
    reads.attach(socket);
    const s = socket;
    await new Promise<void>((resolve) => {
      s.on('data', (chunk: Buffer) => {
        memories.push(chunk.buffer);
        if (memories.length === 3) reusable = false;
        if (memories.length === 5) resolve();
        else s.write('n');
      });
      s.once('connect', () => s.write('n'));
    });
    // Reads 1–3 reuse one piece of memory (the first is what the socket started with); after
    // reuse stopped, read 4 goes to new memory and so does read 5.
    expect(memories[1]).toBe(memories[0]);
    expect(memories[2]).toBe(memories[0]);
    expect(memories[3]).not.toBe(memories[2]);
    expect(memories[4]).not.toBe(memories[3]);
  });
});
