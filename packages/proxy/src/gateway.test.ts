import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DialectAdapter, Session, SessionContext } from '@gatehouse/core';
import { afterEach, describe, expect, it } from 'vitest';
import { Gateway } from './gateway.js';
import { silentLogger } from './logger.js';

/**
 * A line-echo adapter standing in for a dialect: "slow" answers after 200 ms (a statement in
 * flight), "boom" makes the session fail, anything else echoes.
 */
function echoAdapter(): DialectAdapter {
  return {
    dialect: 'postgres',
    accept(socket: Duplex, context: SessionContext): Session {
      let busy = false;
      let draining = false;
      let resolveClosed!: () => void;
      const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
      socket.on('close', () => resolveClosed());
      socket.on('error', () => socket.destroy());
      socket.on('data', (chunk: Buffer) => {
        const line = chunk.toString().trim();
        if (line === 'boom') {
          socket.destroy(new Error('session failed'));
          return;
        }
        busy = true;
        setTimeout(
          () => {
            socket.write(`${line}\n`);
            busy = false;
            if (draining) socket.end();
          },
          line === 'slow' ? 200 : 0,
        );
      });
      return {
        id: context.sessionId,
        closed,
        drain() {
          draining = true;
          if (!busy) socket.end();
        },
        close() {
          socket.destroy();
        },
      };
    },
  };
}

function client(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

function nextLine(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
}

describe('Gateway', () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.drain();
  });

  it('serves sessions independently: one failing session does not disturb another', async () => {
    gateway = new Gateway([{ connection: 'c', environment: 'dev', listen: { host: '127.0.0.1', port: 0 }, adapter: echoAdapter() }], {
      logger: silentLogger(),
    });
    const [bound] = await gateway.start();
    const good = await client(bound!.address.port);
    const bad = await client(bound!.address.port);
    const badClosed = new Promise((resolve) => bad.on('close', resolve));
    bad.write('boom\n');
    await badClosed;
    good.write('hello\n');
    expect(await nextLine(good)).toBe('hello');
    good.destroy();
  });

  it('drains: stops accepting, lets the statement in flight finish, then ends', async () => {
    gateway = new Gateway([{ connection: 'c', environment: 'dev', listen: { host: '127.0.0.1', port: 0 }, adapter: echoAdapter() }], {
      logger: silentLogger(),
      drainTimeoutMs: 5_000,
    });
    const [bound] = await gateway.start();
    const socket = await client(bound!.address.port);
    const ended = new Promise((resolve) => socket.on('end', resolve));
    const answer = nextLine(socket);
    socket.write('slow\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const drained = gateway.drain();
    await expect(client(bound!.address.port)).rejects.toThrow(/ECONNREFUSED/);
    expect(await answer).toBe('slow');
    await ended;
    await drained;
    expect(gateway.activeSessions).toBe(0);
  });

  it('cuts sessions that outlast the drain timeout', async () => {
    gateway = new Gateway([{ connection: 'c', environment: 'dev', listen: { host: '127.0.0.1', port: 0 }, adapter: echoAdapter() }], {
      logger: silentLogger(),
      drainTimeoutMs: 50,
    });
    const [bound] = await gateway.start();
    const socket = await client(bound!.address.port);
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write('slow\n');
    await new Promise((resolve) => setTimeout(resolve, 10));
    await gateway.drain();
    await closed;
    expect(gateway.activeSessions).toBe(0);
  });

  it('names the connection when a listener cannot bind', async () => {
    const first = new Gateway([{ connection: 'a', environment: 'dev', listen: { host: '127.0.0.1', port: 0 }, adapter: echoAdapter() }], {
      logger: silentLogger(),
    });
    const [bound] = await first.start();
    gateway = new Gateway(
      [{ connection: 'orders', environment: 'dev', listen: { host: '127.0.0.1', port: bound!.address.port }, adapter: echoAdapter() }],
      { logger: silentLogger() },
    );
    await expect(gateway.start()).rejects.toThrow(/connection "orders" cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    await first.drain();
  });
});
