import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { BSON } from 'mongodb';
import type { Document } from 'mongodb';
import { MessageReader, UPSTREAM_OPCODES, decodeOpMsg, encodeOpMsg, encodePlainPayload } from '@gatehouse/adapter-mongodb';
import type { MongoMessage } from '@gatehouse/adapter-mongodb';

/** One connection speaking OP_MSG by hand: a driver's wire traffic without a driver's CPU. */
export interface WireClient {
  command(command: Document): Promise<Document>;
  /** Sends `request` (a whole message; its requestId is overwritten) and resolves on the reply. */
  roundTrip(request: Buffer): Promise<void>;
  close(): void;
}

export async function openWireClient(port: number, login?: { user: string; token: string }): Promise<WireClient> {
  const socket: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const reader = new MessageReader({ accept: UPSTREAM_OPCODES, peer: 'gateway' });
  let waiting: ((reply: MongoMessage) => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (const message of reader.push(chunk)) {
      const resolve = waiting;
      waiting = undefined;
      resolve?.(message);
    }
  });
  let requestId = 0;
  const send = (message: Buffer): Promise<MongoMessage> =>
    new Promise((resolve) => {
      waiting = resolve;
      message.writeInt32LE(++requestId, 4);
      socket.write(message);
    });
  const client: WireClient = {
    async command(command) {
      const reply = await send(encodeOpMsg({ requestId: 0, responseTo: 0, body: Buffer.from(BSON.serialize(command)) }));
      return BSON.deserialize(decodeOpMsg(reply).body);
    },
    async roundTrip(request) {
      await send(request);
    },
    close: () => socket.destroy(),
  };
  await client.command({ hello: 1, client: { driver: { name: 'wire-client', version: '0' } }, $db: 'admin' });
  if (login) {
    const reply = await client.command({ saslStart: 1, mechanism: 'PLAIN', payload: new BSON.Binary(encodePlainPayload(login.user, login.token)), autoAuthorize: 1, $db: '$external' });
    if (reply['ok'] !== 1) throw new Error(`wire client login failed: ${String(reply['errmsg'])}`);
  }
  return client;
}

/**
 * find-by-_id as the driver's findOne sends it (limit, singleBatch, an implicit lsid), one per _id;
 * `session` picks the lsid (the driver's pool gives each operation in flight its own).
 */
export function findByIdRequests(documents: number, session: number): Buffer[] {
  const uuid = Buffer.alloc(16, session);
  uuid[6] = 0x40; // version 4
  const lsid = { id: new BSON.Binary(uuid, BSON.Binary.SUBTYPE_UUID) };
  return Array.from({ length: documents }, (_, id) =>
    encodeOpMsg({ requestId: 0, responseTo: 0, body: Buffer.from(BSON.serialize({ find: 'docs', filter: { _id: id }, limit: 1, singleBatch: true, lsid, $db: 'bench' })) }),
  );
}
