import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { Masker } from '@gatehouse/core';
import type { StatementOutcome } from '@gatehouse/proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { Capability, ColumnType, ServerStatus, UTF8MB4_GENERAL_CI } from '../protocol/constants.js';
import { PacketReader } from '../protocol/packet-reader.js';
import type { Packet } from '../protocol/packet.js';
import { encodeColumnCount, encodeColumnDefinition } from '../protocol/messages/columns.js';
import { encodeQuery } from '../protocol/messages/commands.js';
import { decodeErr, encodeOk } from '../protocol/messages/generic.js';
import { PayloadWriter } from '../protocol/writer.js';
import { Relay } from './relay.js';

// The relay alone between two socket pairs: cases a real server will not produce on demand.

const CAPABILITIES = Capability.PROTOCOL_41 | Capability.DEPRECATE_EOF | Capability.SECURE_CONNECTION;

async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const near = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const far = await accepted;
  server.close();
  return [near, far];
}

/** Packets arriving on `socket`, awaited one by one. */
function packetsOf(socket: Socket): { next(): Promise<Packet> } {
  const reader = new PacketReader();
  const queue: Packet[] = [];
  let waiter: ((packet: Packet) => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (const packet of reader.push(chunk)) {
      if (waiter) {
        const resolve = waiter;
        waiter = undefined;
        resolve(packet);
      } else queue.push(packet);
    }
  });
  return { next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => (waiter = resolve))) };
}

const outcome = (mask: boolean): StatementOutcome =>
  ({
    actions: [],
    decision: { effect: 'allow', rules: ['r'], reason: 'allowed', risk: { score: 0, factors: [] }, observed: [], obligations: { audit: {}, ...(mask ? { mask: { columns: {} } } : {}) } },
  }) as unknown as StatementOutcome;

describe('Relay', () => {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  it('answers with an ERR after the column definitions when no mask plan can be made, and the session goes on', async () => {
    const [client, clientSide] = await socketPair();
    const [upstreamSide, upstream] = await socketPair();
    sockets.push(client, clientSide, upstreamSide, upstream);
    const masker = {
      compilePlan: () => {
        throw new Error('no plan');
      },
      redactText: (text: string) => text,
    } as unknown as Masker;
    const relay = new Relay(
      { client: clientSide, clientReader: new PacketReader(), upstream: upstreamSide, upstreamReader: new PacketReader(), capabilities: CAPABILITIES },
      {
        decide: (text) => outcome(text.includes('masked')),
        decideActions: () => outcome(false),
        masker,
        redactText: (text) => text,
        database: () => 'app',
        setDatabase: () => undefined,
        initialDatabase: 'app',
        mayKill: () => false,
      },
    );
    relay.start([]);
    const fromGateway = packetsOf(client);
    const atServer = packetsOf(upstream);
    const column = { catalog: 'def', schema: 'app', table: 't', orgTable: 't', name: 'email', orgName: 'email', characterSet: UTF8MB4_GENERAL_CI, columnLength: 400, type: ColumnType.VAR_STRING, flags: 0, decimals: 0 };
    const rowSet = Buffer.concat([
      encodeColumnCount(1, 1),
      encodeColumnDefinition(column, 2),
      new PayloadWriter().lenencString('ana@example.com').packet(3),
      encodeOk({ statusFlags: ServerStatus.AUTOCOMMIT }, 4, CAPABILITIES, 0xfe),
    ]);

    client.write(encodeQuery('SELECT masked'));
    await atServer.next();
    upstream.write(rowSet);
    const got = [await fromGateway.next(), await fromGateway.next(), await fromGateway.next()];
    expect(got.map((packet) => packet.sequenceId)).toEqual([1, 2, 3]);
    expect(decodeErr(got[2]!.payload)).toMatchObject({ errorCode: 1142, sqlState: '42000' });

    // The rest of that response is dropped; the next statement is relayed as usual.
    client.write(encodeQuery('SELECT plain'));
    await atServer.next();
    upstream.write(rowSet);
    const next = [await fromGateway.next(), await fromGateway.next(), await fromGateway.next(), await fromGateway.next()];
    expect(next[2]!.payload.toString('latin1')).toContain('ana@example.com');
    expect(next[3]!.payload[0]).toBe(0xfe);
    // Whole chunks go out as they came; a chunk cut mid-packet goes out packet by packet: same bytes.
    expect(Buffer.concat(next.map((packet) => packet.raw)).equals(rowSet)).toBe(true);
    for (const cut of [1, 7, rowSet.length - 3]) {
      client.write(encodeQuery('SELECT plain'));
      await atServer.next();
      upstream.write(rowSet.subarray(0, cut));
      await new Promise((resolve) => setTimeout(resolve, 5));
      upstream.write(rowSet.subarray(cut));
      const again = [await fromGateway.next(), await fromGateway.next(), await fromGateway.next(), await fromGateway.next()];
      expect(Buffer.concat(again.map((packet) => packet.raw)).equals(rowSet), `cut at ${cut}`).toBe(true);
    }
    relay.close('test over');
  });
});
